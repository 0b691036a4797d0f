"""For whoever runs the service: alive, ready, and the figures Prometheus scrapes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from zwgk.connectors.api import metrics
from zwgk.connectors.api.identity import RuntimeDep
from zwgk.connectors.queries import readiness, service_figures

router = APIRouter(tags=["operations 运行"])


@router.get("/healthz", summary="进程存活")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="可以服务：事件库、视图、档案存储（及已配置的 Kafka）均可用",
            responses={503: {"description": "a dependency is unavailable; the body says which"}})
def readyz(rt: RuntimeDep) -> JSONResponse:
    checks = readiness(rt.services, rt.views, rt.settings)
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus 指标", response_class=Response,
            responses={200: {"content": {metrics.CONTENT_TYPE: {}}, "description": "Prometheus text exposition"}})
def prometheus(rt: RuntimeDep) -> Response:
    f = service_figures(rt.services, rt.views, rt.merkle, bool(rt.settings.kafka_bootstrap_servers))
    return Response(metrics.exposition(f.position, f.views, f.audit_log, f.relay, f.archive_bytes), media_type=metrics.CONTENT_TYPE)

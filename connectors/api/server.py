"""Running the service under uvicorn: the stores' tables made once before the workers start (two workers
creating them at once on a fresh PostgreSQL collide), and every connection sent without Nagle's delay."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import tempfile

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from zwgk.connectors.api.runtime import Runtime
from zwgk.connectors.config import Settings


class NoDelayProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol with TCP_NODELAY on each connection: a socket uvicorn hands to several workers
    loses it (uvicorn issue #3149), and each answer's last small segment then waits ~40 ms for the
    client's delayed acknowledgement."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        connection = transport.get_extra_info("socket")
        if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def serve(host: str, port: int, workers: int, proxy_headers: bool, ssl_certfile: str | None, ssl_keyfile: str | None) -> None:
    with Runtime.open(Settings.from_env()):
        pass  # every table exists before any worker opens the stores
    logging.getLogger("uvicorn.error").setLevel(logging.INFO)  # its "running on" line says where the service answers
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="zwgk-metrics-")
    uvicorn.run("zwgk.connectors.api.app:create_app", factory=True, host=host, port=port, workers=workers, http=NoDelayProtocol,
                proxy_headers=proxy_headers, forwarded_allow_ips="*" if proxy_headers else None, access_log=False,
                ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, log_config=None)

"""The witness's HTTP interface (C2SP tlog-witness): `POST /add-checkpoint` answers cosignature lines, or
the status the spec gives a refusal (409 with the cosigned size as text/x.tlog.size). `GET /` names the
witness's verifier key. Its own small app: a witness runs apart from any ledger it watches."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from zwgk.connectors.witness import Witness
from zwgk.domain.witness import WitnessRefusal


def create_witness_app(witness: Witness) -> FastAPI:
    app = FastAPI(title="zwgk witness 见证人", openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/", response_class=PlainTextResponse)
    def verifier_key() -> PlainTextResponse:
        return PlainTextResponse(witness.verifier_key + "\n")

    @app.post("/add-checkpoint", response_class=PlainTextResponse)
    async def add_checkpoint(request: Request) -> PlainTextResponse:
        body = await request.body()
        try:
            return PlainTextResponse(witness.add_checkpoint(body))
        except WitnessRefusal as refusal:
            if refusal.status == 409 and refusal.size is not None:
                return PlainTextResponse(f"{refusal.size}\n", status_code=409, media_type="text/x.tlog.size")
            return PlainTextResponse(refusal.reason + "\n", status_code=refusal.status)

    return app

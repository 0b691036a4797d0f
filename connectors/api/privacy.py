"""Reading one sealed field of personal data, with a stated purpose; the read is recorded first (Q3, PIPL)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from zwgk.connectors import queries
from zwgk.connectors.api.identity import RuntimeDep, SignedIn
from zwgk.connectors.api.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["privacy 个人信息"], responses=PROBLEM_RESPONSES)


class Purpose(BaseModel):
    purpose: str = Field(min_length=1, max_length=500, description="why it is read; recorded as stated, so never personal data")


class PersonalDataValue(BaseModel):
    value: str = Field(description="the value in clear, or ［已删除］ once the data subject's key is erased")
    subject_id: str
    field: str
    read_id: str = Field(description="the record of this read, in the ledger")
    notification_id: int


@router.post("/records/{record_id}/personal-data/{field}", response_model=PersonalDataValue,
             summary="查阅一项个人信息（投诉受理机构；先记录查阅人、对象、字段与目的，再显示）")
def read_personal_data(record_id: UUID, field: str, body: Purpose, actor: SignedIn, rt: RuntimeDep) -> dict[str, Any]:
    return queries.read_personal_data(rt.services, actor, record_id, field, body.purpose, signed_in=True)

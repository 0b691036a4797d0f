"""Public text 公开文本 (rule Q3): what goes public about a record — a complaint's published feedback, an
application's answer, a hearing's outcome — never carries the sealed identity of the people in that record.

The check unseals those values only to compare them with the text, inside the command: nothing is shown or
kept, so it is not a read of personal data to be recorded; a value already erased cannot be compared and
needs none. The refusal never repeats the value it found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from zwgk.domain.errors import DomainError
from zwgk.domain.privacy import ERASED, unseal
from zwgk.domain.rules import Rule

if TYPE_CHECKING:
    from zwgk.domain.commands import Context

@dataclass(frozen=True)
class Identity:
    """A sealed field that identifies a person: the name it is sealed under, what it is in Chinese, and
    whether each of its space-separated parts is compared too (a name and a contact given together)."""

    sealed_as: str
    what_zh: str
    by_part: bool = True


# Shorter values (a one-character name part, an empty contact) would match ordinary words.
SHORTEST_COMPARED = 2


def _plain(text: str) -> str:
    return "".join(text.split()).casefold()


def refuse_sealed_identity(ctx: Context, record_id: UUID, identities: Mapping[str, Identity], *texts: str) -> None:
    """Refuse public text containing a sealed identity value of the record, or a part of one (a name given
    with a telephone number). `identities` maps each event field holding one to how it is compared."""
    public = _plain("".join(texts))
    for name, sealed in ctx.ledger.sealed_fields(record_id):
        identity = identities.get(name)
        if identity is None:
            continue
        value = unseal(ctx.ledger.keys, identity.sealed_as, sealed)
        if value == ERASED:
            continue
        compared = [value, *value.split()] if identity.by_part else [value]
        if any(len(_plain(part)) >= SHORTEST_COMPARED and _plain(part) in public for part in compared):
            raise DomainError(
                "PUBLIC_TEXT_IDENTIFIES_PERSON", f"公开内容不得含有{identity.what_zh}等受保密的身份信息，请删去后再提交。",
                f"the public text contains the sealed {name} of record {record_id}", Rule.Q3,
            )

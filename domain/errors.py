"""Refusals: every refused command raises a `DomainError` and records nothing.

A refusal carries a stable code (for machines and integrators), the rule it enforces
(a `Rule`, stored and sent as its ID), a Chinese message for people and an English one for logs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from zwgk.domain.rules import Rule

TChoice = TypeVar("TChoice", bound=StrEnum)


class DomainError(Exception):
    """A command the rules refuse."""

    def __init__(self, code: str, zh: str, en: str, rule: Rule | None = None) -> None:
        super().__init__(f"{code}: {en}")
        self.code = code
        self.rule = rule
        self.message_zh = zh
        self.message_en = en

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "rule": self.rule, "message": self.message_zh}


class ConcurrentModification(DomainError):
    """Another writer changed the same record first; nothing was overwritten."""

    def __init__(self, aggregate_id: object) -> None:
        super().__init__(
            "CONCURRENT_MODIFICATION",
            f"记录 {aggregate_id} 已被他人同时修改，本次操作未保存，请刷新后重试。",
            f"aggregate {aggregate_id} was modified concurrently; nothing was saved",
        )


class NotFound(DomainError):
    def __init__(self, what_zh: str, what_en: str, key: object) -> None:
        super().__init__(
            "NOT_FOUND", f"未找到{what_zh}：{key}", f"{what_en} not found: {key}"
        )


class AlreadyExists(DomainError):
    def __init__(self, what_zh: str, what_en: str, key: object, rule: Rule | None = None) -> None:
        super().__init__(
            "ALREADY_EXISTS", f"{what_zh}已存在：{key}", f"{what_en} already exists: {key}", rule
        )


def choice(enum: type[TChoice], value: str, code: str, zh: str, rule: Rule | None) -> TChoice:
    """One of an enumeration's values, or a refusal listing the allowed ones."""
    try:
        return enum(value)
    except ValueError:
        allowed = "、".join(m.value for m in enum)
        raise DomainError(code, f"{zh}（可选：{allowed}）", f"{value!r} is not a valid {enum.__name__}", rule) from None

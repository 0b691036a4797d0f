"""One form renderer for every command: the command's JSON schema (the command catalogue's) becomes the
fields of an HTML form with Chinese labels, a posted form becomes the command's arguments, and a refusal's
Chinese message goes beside the field it names (at the top when it names none)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, get_args, get_type_hints

from starlette.datastructures import FormData

from zwgk.connectors.commands import InvalidArguments, arguments
from zwgk.connectors.console.vocabulary import choice_labels, field_hint, field_label
from zwgk.domain.commands import Command
from zwgk.domain.errors import DomainError

LONG_TEXT = frozenset({"account", "comment", "summary", "text", "description", "details", "findings", "opinion", "feedback",
                       "update", "report", "correction", "conclusion", "instructions", "requirements", "note", "opinions_summary",
                       "request", "reason_text"})
NAIVE_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
BEIJING = "+08:00"


@dataclass
class FormField:
    name: str
    label: str
    widget: str  # text | textarea | number | date | datetime | select | checkbox | checkboxes | lines | json
    required: bool
    hint: str = ""
    value: Any = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""


@dataclass
class Form:
    command: str
    fields: list[FormField]
    error: str = ""  # a refusal naming no field

    @property
    def invalid(self) -> bool:
        return bool(self.error) or any(f.error for f in self.fields)


def _enum_of(hint: Any) -> type[StrEnum] | None:
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint
    return next(filter(None, (_enum_of(arg) for arg in get_args(hint))), None)


def _resolved(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The property's schema without `null` and `$ref`, and whether null is allowed."""
    options = schema.get("anyOf", [schema])
    nullable = any(o.get("type") == "null" for o in options)
    chosen: dict[str, Any] = next((o for o in options if o.get("type") != "null"), {})
    if "$ref" in chosen:
        chosen = {**defs[chosen["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in schema.items() if k != "anyOf"}}
    return chosen, nullable


def _widget(name: str, schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if "enum" in schema:
        return "select"
    if kind == "array":
        return "checkboxes" if "enum" in schema.get("items", {}) or "$ref" in schema.get("items", {}) else (
            "lines" if schema.get("items", {}).get("type") == "string" else "json")
    if kind == "object":
        return "json"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == "date-time":
        return "datetime"
    return "textarea" if name in LONG_TEXT else "text"


def blank(command_name: str, command: type[Command], prefill: dict[str, str] | None = None) -> Form:
    """The command's form, filled with its defaults and what the link that led here gives."""
    schema = arguments(command).json_schema()
    defs, required, hints = schema.get("$defs", {}), set(schema.get("required", [])), get_type_hints(command)
    fields = []
    for name, prop in schema.get("properties", {}).items():
        resolved, nullable = _resolved(prop, defs)
        widget = _widget(name, resolved)
        enum = _enum_of(hints.get(name))
        labels = choice_labels(enum) if enum else {}
        values = resolved.get("enum") or resolved.get("items", {}).get("enum") or (
            defs.get(resolved.get("items", {}).get("$ref", "").rsplit("/", 1)[-1], {}).get("enum", []))
        choices = [(v, labels.get(v, v)) for v in values]
        default = prop.get("default")
        value: Any = default if default is not None else ("" if widget != "checkboxes" else [])
        if widget == "json" and default is not None:
            value = json.dumps(default, ensure_ascii=False)
        fields.append(FormField(name, field_label(name), widget, name in required and not nullable, hint=field_hint(name, widget),
                                value=value, choices=choices))
    form = Form(command_name, fields)
    for f in form.fields:
        if prefill and f.name in prefill:
            f.value = prefill[f.name] if f.widget != "checkbox" else prefill[f.name] in ("true", "on", "1")
    return form


def _parsed(f: FormField, raw: str) -> Any:
    if f.widget == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if f.widget == "json":
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # refused by the command's own check, in its words
    if f.widget == "number":
        return _number(raw)
    if f.widget == "datetime" and NAIVE_INSTANT.fullmatch(raw):
        return raw + BEIJING  # a browser's local time input carries no zone: the console is in China Standard Time
    return raw


def _number(raw: str) -> Any:
    """A number as JSON would carry it (the commands' arguments are parsed strictly); anything else as typed,
    for the command's own check to refuse in its words."""
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def posted(form: Form, data: FormData) -> dict[str, Any]:
    """The arguments a posted form gives; the fields keep what was typed, to show it again with a refusal."""
    args: dict[str, Any] = {}
    for f in form.fields:
        if f.widget == "checkboxes":
            f.value = [str(v) for v in data.getlist(f.name)]
            if f.value or f.required:
                args[f.name] = f.value
        elif f.widget == "checkbox":
            f.value = f.name in data
            args[f.name] = f.value
        else:
            raw = str(data.get(f.name, "")).strip()
            f.value = raw
            if raw:
                args[f.name] = _parsed(f, raw)
    return args


def refused(form: Form, error: DomainError) -> Form:
    """The refusal's words beside the fields it names, the rest at the top."""
    by_name = {f.name: f for f in form.fields}
    problems = error.fields if isinstance(error, InvalidArguments) else {}
    unplaced = []
    for where, problem in problems.items():
        target = by_name.get(where.split(".", 1)[0])
        if target is None:
            unplaced.append(f"{where}：{problem}")
        else:
            target.error = "；".join(filter(None, [target.error, problem]))
    if not problems:
        form.error = error.message_zh + (f"（规则 {error.rule}）" if error.rule else "")
    elif unplaced:
        form.error = "参数无效（" + "；".join(unplaced) + "）"
    return form

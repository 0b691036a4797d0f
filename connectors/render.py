"""What people read: every table, line and JSON document the CLI prints (the Chinese words for the
views' values are in `labels`)."""

from __future__ import annotations

import csv
import json
import os
import sys
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from zwgk.archive import four_properties
from zwgk.archive.service import VerifyReport
from zwgk.connectors.demo import DemoRun
from zwgk.connectors.demo_accounts import DemoAccount
from zwgk.connectors.labels import (
    CHAIN_BREAKS_ZH,
    CHECKPOINT_PROBLEMS_ZH,
    CHECKPOINT_SOURCES_ZH,
    COMPLAINT_STATUS_ZH,
    DEADLINE_STATUS_ZH,
    FIXITY_ZH,
    LOG_MISMATCHES_ZH,
    PROCESSES_ZH,
    RULE_OUTCOMES_ZH,
    VIOLATION_KINDS_ZH,
    beijing_time,
    percent,
    step_zh,
)
from zwgk.connectors.queries import AuditReport, ViewDifference, ViewDrift, view_drifts
from zwgk.domain.actors import ROLE_NAMES_ZH, Role
from zwgk.domain.assessment import GRADES_ZH, Grade
from zwgk.domain.complaints import CATEGORIES_ZH
from zwgk.domain.data_subjects import ERASURE_BASIS_ZH, SUBJECT_KINDS_ZH, ErasureBasis, SubjectKind
from zwgk.domain.disclosure import ATTRIBUTES_ZH, CHANNELS_ZH, DECISIONS_ZH, Attribute, Channel, Decision
from zwgk.domain.plausible import BIDI_CONTROLS
from zwgk.domain.rules import RuleOutcome
from zwgk.projections.catalogue import cst_day, ts
from zwgk.projections.requests import COLUMNS as REQUEST_COLUMNS
from zwgk.projections.requests import COLUMNS_ZH as REQUEST_COLUMNS_ZH

console = Console()


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str))


def printable(text: str) -> str:
    """Record text as a terminal shows it safely: control and direction-changing characters made visible
    as escapes, so no stored value can clear the screen, move the cursor or reorder what is read."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cs") or c in BIDI_CONTROLS else c
                   for c in text)


def _cell(value: Any) -> Any:
    """A table cell: text taken literally (no rich markup inside a record's words), escaped as above."""
    return Text(printable(value)) if isinstance(value, str) else value


def _rows(rows: list[dict[str, Any]], format: str, table: Table, cells: Any) -> None:  # noqa: A002
    """JSON as the query gave it, or a table of one row each."""
    if format == "json":
        emit_json(rows)
        return
    for r in rows:
        table.add_row(*(_cell(c) for c in cells(r)))
    console.print(table)


def commands(catalogue: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    if format == "json":
        typer.echo(json.dumps(catalogue, ensure_ascii=False, indent=2))
        return
    _rows(catalogue, format, Table("命令", "说明", "参数"),
          lambda c: (c["command"], c["summary"], ", ".join(c["args"].get("properties", {}))))


def audit_report(report: AuditReport, format: str, all_breaks: bool = False) -> None:  # noqa: A002
    """The first break, or with `all_breaks` every broken record; the reasons in Chinese (English in JSON and the log)."""
    chains, logged, problem = report.chains, report.log, report.checkpoint
    if format == "json":
        emit_json(report.as_dict(all_breaks))
        return
    if chains.ok:
        typer.echo(f"ok：已核验 {chains.events_checked} 个事件、{chains.aggregates_checked} 条记录的哈希链，未发现篡改。")
    shown = chains.breaks if all_breaks else chains.breaks[:1]
    for b in shown:
        typer.echo(f"发现断链：记录 {b.originator_id} 第 {b.originator_version} 版（日志位置 {b.position}）。"
                   f"原因：{CHAIN_BREAKS_ZH.get(b.kind, b.kind)}", err=True)
    if len(chains.breaks) > len(shown):
        typer.echo(f"另有 {len(chains.breaks) - len(shown)} 条记录断链（--all-breaks 全部列出）。", err=True)
    if logged.ok:
        pending = f"，另有 {logged.not_yet_logged} 个新事件尚未纳入" if logged.not_yet_logged else ""
        typer.echo(f"ok：审计日志 {logged.leaves_checked} 项与事件库一致{pending}。")
    else:
        unlogged = f"（共 {logged.unlogged} 个）" if logged.unlogged else ""
        typer.echo(f"审计日志不一致：日志位置 {logged.first_bad_position}。原因：{LOG_MISMATCHES_ZH.get(logged.kind, logged.kind)}"
                   f"{unlogged}", err=True)
    if problem:
        size = f"（树大小 {problem.size}）" if problem.size is not None else ""
        typer.echo(f"签名检查点不符：{CHECKPOINT_SOURCES_ZH[problem.source]}{size}：{CHECKPOINT_PROBLEMS_ZH[problem.kind]}。", err=True)
    elif report.checkpoints_checked or report.held_checked:
        held = f"，与外部保存的 {report.held_checked} 个副本一致" if report.held_checked else ""
        typer.echo(f"ok：库中 {report.checkpoints_checked} 个签名检查点均有效，日志是其延续{held}。")
    if report.views:
        view_differences(report.views.position, list(report.views.differences), format)


def unfiled_adjustments(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    _rows(rows, format, Table("公开主体", "公开事项", "未备案的调整（版本）"),
          lambda r: (r["unit"], r["matter"], ", ".join(map(str, r["unfiled_adjustments"]))))


def catalogue_items(items: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    def cells(item: dict[str, Any]) -> tuple[str, ...]:
        e = item["elements"]
        unfiled = [h for h in item["history"] if h["filed_at"] is None]
        return (e["responsible_unit"], e["matter"], "、".join(e["channels"]), e["update_limit"], str(len(item["history"])),
                str(len(unfiled)) if unfiled else "")

    _rows(items, format, Table("公开主体", "公开事项", "公开渠道", "更新时限", "调整次数", "未备案"), cells)


def deadlines(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    def cells(r: dict[str, Any]) -> tuple[str, ...]:
        left = (f"{r['working_days_left']} 个工作日" if r["working_days_left"] is not None
                else f"{r['hours_left']} 小时" if r["hours_left"] is not None else "")
        return (r["rule"], r["unit"], r["subject"][:30], r["start"], r["due"], DEADLINE_STATUS_ZH[(r["status"], r["overdue"])],
                left, "是" if r["provisional"] else "")

    _rows(rows, format, Table("规则", "单位", "事项", "起算", "到期", "状态", "剩余", "临时"), cells)


def participation(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    _rows(rows, format, Table("类别", "单位", "事项", "日期", "进度", "问题"),
          lambda r: (PROCESSES_ZH[r["process"]], r["unit"], r["title"], r["day"], step_zh(r["process"], r["status"]),
                     "；".join(r["flags"])))


def yearly_counts_zh(row: dict[str, Any]) -> str:
    parts = []
    if row["meetings_with_representatives"] is not None:
        parts.append(f"邀请列席全体会议、常务会议 {row['meetings_with_representatives']} 次")
    if row["open_days_first_half"] is not None:
        parts.append(f"政务开放日 上半年 {row['open_days_first_half']} 次、下半年 {row['open_days_second_half']} 次")
    return "，".join(parts) + (f"；问题：{'，'.join(row['flags'])}" if row["flags"] else "")


def participation_counts(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    if format == "json":
        emit_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['unit']} {r['year']} 年：{yearly_counts_zh(r)}")


def violations(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    _rows(rows, format, Table("日期", "规则", "类别", "单位", "事项", "记录", "情况", title=f"违规情况（{len(rows)} 项）"),
          lambda r: (r["on"], r["rule"], VIOLATION_KINDS_ZH[r["kind"]], r["unit"], r["subject"], r["record_id"][:8], r["detail"]))


def timeline(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    def cells(r: dict[str, Any]) -> tuple[str, ...]:
        return (beijing_time(r["occurred_at"]), beijing_time(r["recorded_at"]), r["event_type"], r["aggregate_id"][:8],
                r["actor_id"], ROLE_NAMES_ZH.get(r["actor_role"], r["actor_role"]), r["actor_unit"],
                "、".join(f"{rule} {RULE_OUTCOMES_ZH.get(outcome, outcome)}" for rule, outcome in sorted(r["rule_outcomes"].items())))

    _rows(rows, format, Table("业务时间（北京时间）", "记录时间（北京时间）", "事件", "记录", "人员", "角色", "单位", "规则"), cells)


def record_state(replayed: dict[str, Any], format: str) -> None:  # noqa: A002
    """A replayed record: JSON as the service answers it, or its fields one a line."""
    if format == "json":
        emit_json(replayed)
        return
    moments = [f"{name} {beijing_time(ts(datetime.fromisoformat(replayed[key])))}"
               for key, name in (("as_of", "业务时间"), ("as_recorded", "记录时间")) if replayed[key]]
    typer.echo(f"记录 {replayed['record_id']}（{replayed['type']}）第 {replayed['version']} 版，{'、'.join(moments)}（北京时间）时的状态：")
    table = Table("字段", "值")
    for field, value in sorted(replayed["state"].items()):
        table.add_row(field, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True))
    console.print(table)


def register(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    def cells(r: dict[str, Any]) -> tuple[str, ...]:
        return (r["unit"], r["doc_number"], r["title"][:20], ATTRIBUTES_ZH[Attribute(r["attribute"])],
                f"{len(json.loads(r['signatures']))}/3", DECISIONS_ZH[Decision(r["pre_review"])] if r["pre_review"] else "",
                cst_day(r["signed_off_at"]) if r["signed_off_at"] else "", cst_day(r["published_at"]) if r["published_at"] else "",
                RULE_OUTCOMES_ZH.get(r["publication_outcome"], r["publication_outcome"] or ""), "是" if r["original_sha256"] else "")

    _rows(rows, format, Table("单位", "文号", "题名", "属性", "审查签字", "预审", "签发", "发布", "时限", "存档"), cells)


def annual_report(report: dict[str, Any], unit: str, year: int, format: str) -> None:  # noqa: A002
    columns = [*REQUEST_COLUMNS, "total"]
    if format == "json":
        emit_json(report)
    elif format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["行", "项目", *(REQUEST_COLUMNS_ZH[c] for c in columns)])
        for row in report["rows"]:
            writer.writerow([row["line"], row["label"], *(row[c] for c in columns)])
    else:
        table = Table("项目", *(REQUEST_COLUMNS_ZH[c] for c in columns), title=f"{unit} {year} 年收到和处理政府信息公开申请情况")
        for row in report["rows"]:
            table.add_row(row["label"], *(str(row[c]) for c in columns))
        console.print(table)
        typer.echo("校验：一 + 二 = 三（七）+ 四 " + ("成立" if report["check_holds"] else "不成立"))


def assessment(rows: list[dict[str, Any]], year: int, format: str) -> None:  # noqa: A002
    table = Table("期间", "名次", "单位", "公开", "按时公开率", "调整", "备案率", "存档率", "解读及时率", "答复及时率",
                  "听证完备率", "投诉公开率", "追责", "得分", "等次", title=f"{year} 年考核")
    _rows(rows, format, table, lambda r: (
        r["period"], str(r["rank"]), r["unit"], str(r["published"]), percent(r["on_time_rate"]), str(r["adjustments"]),
        percent(r["filing_rate"]), percent(r["archiving_rate"]), percent(r["interpretation_rate"]), percent(r["reply_rate"]),
        percent(r["hearing_completion_rate"]), percent(r["complaint_publication_rate"]), str(r["accountability_cases"]),
        r["score"] or "—", GRADES_ZH[Grade(r["grade"])] if r["grade"] else "—"))


def erasures(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    _rows(rows, format, Table("数据主体", "法定事由", "说明", "操作人", "单位", "删除时间"),
          lambda r: (r["subject_id"], ERASURE_BASIS_ZH[ErasureBasis(r["basis"])], r["note"], r["actor"], r["unit"],
                     r["occurred_at"]))


def data_subjects(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    def cells(r: dict[str, Any]) -> tuple[str, ...]:
        records = sorted({f"{p['record_type']} {p['record_id']}" for p in r["places"]})
        erased = r["erased"]
        status = (f"已删除（{ERASURE_BASIS_ZH[ErasureBasis(erased['basis'])]}）" if erased
                  else "可读" if r["readable"] else "密钥已不存在（无删除记录）")
        return (r["subject_id"], SUBJECT_KINDS_ZH.get(r["kind"], r["kind"]), "\n".join(records),
                "、".join(dict.fromkeys(p["field"] for p in r["places"])), status)

    _rows(rows, format, Table("数据主体", "类别", "所在记录", "字段", "状态"), cells)


def complaints(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    _rows(rows, format, Table("登记时间", "类别", "被投诉单位", "投诉人", "状态", "未公开反馈"),
          lambda r: (cst_day(r["registered_at"]), CATEGORIES_ZH.get(r["category"], r["category"]), r["respondent_unit"],
                     r["complainant_name"], COMPLAINT_STATUS_ZH.get(r["status"], r["status"]), "是" if r["feedback_unpublished"] else ""))


def archived(outcome: dict[str, Any], metadata: dict[str, Any], format: str) -> None:  # noqa: A002
    if format == "json":
        emit_json({**outcome, **metadata})
    else:
        ends = f"保管期满 {metadata['retention_ends']}" if metadata["retention_ends"] else "永久保管"
        typer.echo(f"已存档 {metadata['archive_number']}（{metadata['size']} 字节，SHA-256 {metadata['sha256'][:16]}…，{ends}）")
        if metadata["due_for_appraisal"]:
            typer.echo(f"注意：该原件的保管期限已于 {metadata['retention_ends']} 届满，存储时未加保留锁，已列入到期鉴定"
                       "（zwgk archive due）。")
        elif metadata["retain_until"]:
            typer.echo(f"存储保留锁至 {metadata['retain_until']}。")


def archive_search(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    """What finds the original in a terminal of 80 columns: 档号 and dates whole, the rest folded onto more lines;
    密级, pages, size and the responsible unit are in the JSON and in `archive show`."""
    table = Table()
    for header in ("档号", "文号", "题名", "日期", "保管期满", "保全"):
        table.add_column(header, overflow="fold", no_wrap=header in ("档号", "日期", "保管期满"), ratio=2 if header == "题名" else None)
    _rows(rows, format, table,
          lambda r: (r["archive_number"], r["doc_number"], r["title"], r["doc_date"], r["retention_ends"] or "永久",
                     "是" if r["legal_hold"] else ""))


def appraisal_due(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    _rows(rows, format, Table("档号", "题名", "责任者", "保管期限", "保管期满", "法律保全"),
          lambda r: (r["archive_number"], r["title"], r["responsible_unit"], r["retention"], r["retention_ends"],
                     "是" if r["legal_hold"] else ""))


def destruction_lists(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    _rows(rows, format, Table("清册编号", "原件", "鉴定人", "批准人", "监销人", "已执行"),
          lambda r: (r["list_id"], "、".join(r["archive_numbers"]), "、".join(r["appraisers"]), r["approved_by"] or "未批准",
                     "、".join(r["supervisors"]), _carried_out(r)))


def _carried_out(row: dict[str, Any]) -> str:
    if row["carried_out"]:
        return "是"
    if row["destroyed"]:
        return f"未完成（已销毁 {'、'.join(row['destroyed'])}）"
    return "否"


def migration(report: dict[str, list[str]], format: str) -> None:  # noqa: A002
    if format == "json":
        emit_json(report)
        return
    typer.echo(f"已迁移 {len(report['migrated'])} 件，此前已在目标存储 {len(report['already'])} 件。")
    for number in report["missing"]:
        typer.echo(f"{number}\t两处存储中均无此原件，未迁移")


def recorded(outcome: dict[str, Any], format: str) -> None:  # noqa: A002
    if format == "json":
        emit_json(outcome)
    else:
        typer.echo(f"已记录：{outcome['aggregate_id']}（版本 {outcome['version']}，位置 {outcome['notification_id']}）")


def fixity(report: VerifyReport, format: str) -> None:  # noqa: A002
    if format == "json":
        emit_json(report.as_dict())
        return
    for r in report.results:
        typer.echo(f"{r.archive_number}\t{FIXITY_ZH[r.outcome]}\t{r.detail.zh}")
    for key in report.untracked:
        typer.echo(f"{key}\t未登记（存储中有、台账中无）")
    for spool in report.leftovers:
        typer.echo(f"{spool}\t中断的存档留下的临时文件，已清除")
    typer.echo("ok：全部原件完好。" if report.ok else "核验发现问题。")


def four_property_report(report: four_properties.FourPropertyReport, format: str) -> None:  # noqa: A002
    if format == "json":
        emit_json(report.as_dict())
        return
    table = Table("档号", "题名", *four_properties.PROPERTIES.values(), title="四性检测")
    for o in report.originals:
        table.add_row(o.archive_number, o.title[:24],
                      *("通过" if o.passed(p) else "不通过：" + "；".join(o.findings[p]) for p in four_properties.PROPERTIES))
    for gap in report.series_gaps:
        table.add_row("—", gap, "", "不通过", "", "")
    for key in report.untracked:
        table.add_row("—", f"未登记对象 {key}", "", "不通过", "", "")
    for number in report.destroyed:
        table.add_row(number, "已按销毁清册销毁（记录与摘要保留）", "—", "—", "—", "—")
    for spool in report.leftovers:
        table.add_row("—", f"中断的存档留下的临时文件 {spool}，已清除", "—", "—", "—", "—")
    console.print(table)


WIDTH = 80  # the columns a view's differences are told in, whatever the terminal
EXAMPLES = 3  # rows shown a view; every row is in `--format json`
COLUMNS_SHOWN = 6  # changed columns shown for a differing row


def view_differences(position: int, differences: list[ViewDifference], format: str) -> None:  # noqa: A002
    """Per view: how many rows are missing, extra or differ, then a few of them, each line within 80 columns."""
    if format == "json":
        emit_json({"ok": not differences, "position": position, "differences": [d.as_dict() for d in differences]})
        return
    if not differences:
        typer.echo(f"ok：全部视图与事件日志（至位置 {position}）重新折叠的结果一致。")
        return
    drifts = view_drifts(differences)
    rows = sum(len(d.differing) + len(d.missing) + len(d.extra) for d in drifts)
    lines = [f"视图与事件日志不一致（至位置 {position}，{rows} 行差异）："]
    for drift in drifts:
        lines += _drift_lines(drift)
    lines.append("全部差异见 --format json。")
    for line in lines:
        typer.echo(_fit(printable(line)))


def _drift_lines(drift: ViewDrift) -> list[str]:
    lines = [f"视图 {drift.view}：缺少 {len(drift.missing)} 行，多出 {len(drift.extra)} 行，不同 {len(drift.differing)} 行"]
    for folded, stored in drift.differing[:EXAMPLES]:
        changed = [c for c in dict.fromkeys([*folded.row, *stored.row]) if folded.row.get(c) != stored.row.get(c)]
        lines.append(f"  不同 {_where(stored)}")
        for c in changed[:COLUMNS_SHOWN]:
            each = (WIDTH - _display_width(f"    {c}： → ")) // 2  # both sides shown, however long either is
            was, now = _from_the_change(_value(folded.row.get(c)), _value(stored.row.get(c)), each)
            lines.append(f"    {c}：{_fit(was, each)} → {_fit(now, each)}")
        if len(changed) > COLUMNS_SHOWN:
            lines.append(f"    ……另有 {len(changed) - COLUMNS_SHOWN} 列不同")
    shown = EXAMPLES - min(len(drift.differing), EXAMPLES)
    for word, row in [*(("缺少", d) for d in drift.missing), *(("多出", d) for d in drift.extra)][:shown]:
        lines.append(f"  {word} {_where(row)}")
        lines.append("    " + "，".join(f"{c}={_value(v)}" for c, v in row.row.items() if c not in row.key))
    told = min(len(drift.differing), EXAMPLES) + min(len(drift.missing) + len(drift.extra), shown)
    rows = len(drift.differing) + len(drift.missing) + len(drift.extra)
    if rows > told:
        lines.append(f"  ……另有 {rows - told} 行")
    return lines


def _from_the_change(was: str, now: str, width: int) -> tuple[str, str]:
    """Two values shown from a little before where they part, when the start they share would fill the width:
    cut at the end alone, two long values differing late would look the same."""
    shared = len(os.path.commonprefix([was, now]))
    if _display_width(was[:shared]) <= width - 8:
        return was, now
    start = max(0, shared - 4)
    return "…" + was[start:], "…" + now[start:]


def _where(row: ViewDifference) -> str:
    """The table and key of a differing row."""
    key = "，".join(f"{c}={_value(v)}" for c, v in zip(row.key, row.key_values, strict=True))
    return f"{row.table}（{key}）" if key else row.table


def _value(value: Any) -> str:
    return printable(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str))


def _fit(line: str, width: int = WIDTH) -> str:
    """The line cut to `width` columns, a wide character (Chinese, or one a terminal may draw wide) counted two."""
    if _display_width(line) <= width:
        return line
    kept, used = [], 3
    for char in line:
        used += _display_width(char)
        if used > width:
            break
        kept.append(char)
    return "".join(kept) + "..."


def _display_width(text: str) -> int:
    """Terminal columns at most: ambiguous characters (→, …) are wide in a Chinese locale."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F", "A") else 1 for c in text)


def projection_status(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    _rows(rows, format, Table("视图", "位置", "滞后"), lambda r: (r["view"], str(r["position"]), str(r["lag"])))


def positions(positions: dict[str, int]) -> None:
    typer.echo("视图位置：" + "，".join(f"{k} {v}" for k, v in positions.items()))


def events(stream: Iterable[Any], format: str) -> None:  # noqa: A002
    for event in stream:
        if format == "json":
            emit_json(event.as_json())
        else:
            typer.echo(f"{event.topic}[{event.partition}]@{event.offset} {event.type} {event.aggregate_id} {event.event_id}")


def demo(run: DemoRun) -> None:
    """The demo's summary: what the scenario shows, rule by rule."""
    acts, published, late = run.acts, run.published, run.late
    typer.echo("zwgk 演示：五份政务公开制度文件的公开全过程，以及依申请公开、公众参与、告示与监督")
    typer.echo(f"  本次新记录事件 {run.new_events} 个" + ("（场景此前已记录，未重复记录）" if run.already_recorded else ""))
    typer.echo(f"  公开事项清单：{run.catalogue_items} 项，其中调整后未备案 {run.unfiled_items} 项（C4）")
    typer.echo(
        f"  公开行为：{len(acts)} 件，已公开 {len(published)} 件（按时 {len(published) - len(late)} 件，逾期 {len(late)} 件），"
        f"未公开 {len(acts) - len(published)} 件（其中不予公开 {sum(a['attribute'] == Attribute.WITHHELD for a in acts)} 件），"
        f"已存档原件 {sum(1 for a in acts if a['original_sha256'])} 件"
    )
    typer.echo("  公开渠道：" + "，".join(f"{CHANNELS_ZH[Channel(k)]} {v} 次" for k, v in sorted(run.channels.items())))
    for act in late:
        deadline = json.loads(act["deadline"])
        typer.echo(
            f"  逾期公开：{act['doc_number'] or act['title']}《{act['title']}》于 {deadline['start']} 签发，"
            f"应于 {deadline['due']} 前公开（{deadline['rule']}，{deadline['working_days']} 个工作日），"
            f"实际 {cst_day(act['published_at'])} 公开"
        )
    archive = run.archive
    passed = {p: sum(o.passed(p) for o in archive.originals) for p in four_properties.PROPERTIES}
    typer.echo(
        f"  档案四性检测（本地存档 var/archive/）：{len(archive.originals)} 件，"
        + "，".join(f"{zh}通过 {passed[p]} 件" for p, zh in four_properties.PROPERTIES.items())
        + ("" if archive.ok else "；存在问题，见 zwgk archive check")
    )
    seen = run.complaints
    typer.echo(f"  投诉：{len(seen)} 件，处理情况已公开 {sum(c['status'] == 'published' for c in seen)} 件；"
               f"投诉人身份加密存储，非投诉受理机构查阅显示“{seen[0]['complainant_name'] if seen else ''}”（Q3）")
    typer.echo(f"  个人信息：{sum(run.subjects.values())} 个数据主体各用自己的密钥加密（"
               + "、".join(f"{SUBJECT_KINDS_ZH[SubjectKind(kind)]} {n}" for kind, n in sorted(run.subjects.items()))
               + "），见 zwgk privacy subjects；可按法定事由删除（zwgk privacy forget）")
    automatic = sum(c["actor_role"] == "system" for c in run.cases)
    typer.echo(f"  责任追究：{len(run.cases)} 件，其中考核整改后仍不合格自动立案 {automatic} 件（E4）")
    typer.echo(f"  考核：2022 年度 2 个单位评定等次（优秀、不合格各 1）；事件所示的考核指标（按时公开率、备案率、存档率）"
               f"涉及 {run.assessed_units} 个单位，见 zwgk assessment show --year 2022")
    rows = {r["line"]: r["total"] for r in run.requests["rows"]}
    typer.echo(f"  依申请公开（雁江区 2022）：收到 {rows['1']} 件，办结 {rows['3.7']} 件"
               f"（予以公开 {rows['3.1']}、部分公开 {rows['3.2']}），"
               f"按时答复 {run.replies(RuleOutcome.MET)} 件、逾期 {run.replies(RuleOutcome.BREACHED)} 件；"
               f"年报申请情况表校验 一+二=三+四 {'成立' if run.requests['check_holds'] else '不成立'}（zwgk report annual）")
    d9 = run.interpretations
    typer.echo(f"  政策解读（D9）：按时 {d9[RuleOutcome.MET]} 件、逾期 {d9[RuleOutcome.BREACHED]} 件、逾期未解读 {d9['overdue']} 件")
    for process in ("announcement", "decision", "hearing", "meeting", "open_day"):
        own = [r for r in run.participation if r["process"] == process]
        flags = sorted({f for r in own for f in r["flags"]})
        typer.echo(f"  {PROCESSES_ZH[process]}：{len(own)} 项" + (f"；问题：{'，'.join(flags)}" if flags else "；无问题"))
    for row in run.yearly_counts:
        typer.echo(f"  {row['unit']} {row['year']} 年：{yearly_counts_zh(row)}")
    typer.echo(f"  违规情况：{sum(run.breaches.values())} 项（" + "，".join(f"{r} {n}" for r, n in sorted(run.breaches.items()))
               + "），见 zwgk audit violations")
    typer.echo(f"  被规则拒绝的命令：{len(run.refused)} 条（均未记录事件）")
    for r in run.refused:
        typer.echo(f"    - {r['code']}（{r['rule']}）：{r['message']}")
    if run.chains.ok and run.log.ok:
        typer.echo(
            f"  审计核验：ok，{run.chains.events_checked} 个事件、{run.chains.aggregates_checked} 条记录的哈希链完整；"
            f"审计日志 {run.log.leaves_checked} 项与事件库一致"
        )
    else:
        typer.echo(f"  审计核验：失败，{run.chains.first_break or run.log.reason}")
    typer.echo(f"  签名检查点：树大小 {run.checkpoint.size}，根 {run.checkpoint.root.hex()[:16]}…（zwgk audit checkpoint 查看全文）")
    demo_accounts(run.accounts)


def demo_accounts(opened: list[DemoAccount]) -> None:
    """The console's demo accounts opened now, their credentials shown this once."""
    if not opened:
        typer.echo("  控制台账户：此前的运行已开设（密码只显示一次；需要时 zwgk users password 人员编号 重设）")
        return
    typer.echo("  控制台：zwgk serve 之后在浏览器打开 http://127.0.0.1:8000/ 。每个角色一个账户，密码只在此显示这一次：")
    for a in opened:
        typer.echo(f"    {a.user_id:<24} {ROLE_NAMES_ZH[a.role]}（{a.unit}） 密码 {a.password}")
        if a.otpauth_uri:
            typer.echo(f"    {'':<24} 动态口令（录入身份验证器应用）：{a.otpauth_uri}")


def accounts(rows: list[dict[str, Any]], format: str) -> None:  # noqa: A002
    _rows(rows, format, Table("人员编号", "单位", "角色", "状态", "有效令牌", "密码设置时间"),
          lambda r: (r["user_id"], r["unit"], "、".join(ROLE_NAMES_ZH[Role(role)] for role in r["roles"]),
                     "已停用" if r["disabled"] else "正常", "、".join(r["tokens"]) or "无", r["password_set_at"] or "未设"))

"""Catalogue items 公开事项清单: rules C1–C4, on the aggregate alone."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zwgk.domain.actors import Actor
from zwgk.domain.catalogue import ELEMENTS_ZH, CatalogueItem
from zwgk.domain.errors import DomainError

UNIT = "资阳市雁江区人民政府办公室"
OFFICER = Actor("yj-officer", "officer", UNIT)
OTHER_UNIT = Actor("tn-officer", "officer", "常州市天宁区人民政府")


def elements(**changes):
    base = {
        "matter": "政府信息公开年度报告",
        "content": "年度报告全文",
        "update_limit": "每年1月31日前",
        "responsible_unit": UNIT,
        "support_unit": UNIT,
        "channels": ["政府网站"],
        "column": "政府信息公开年报",
        "legal_basis": "《中华人民共和国政府信息公开条例》第四十九条",
        "audience": "全社会",
        "mode": "proactive",
    }
    return {**base, **changes}


def listed(**changes) -> CatalogueItem:
    item = CatalogueItem.list_item(
        actor=OFFICER, occurred_at=None, elements=elements(**changes), reason="law_changed"
    )
    item.collect_events()
    return item


def refused(code, rule, call):
    with pytest.raises(DomainError) as error:
        call()
    assert (error.value.code, error.value.rule) == (code, rule)
    assert error.value.message_zh


@pytest.mark.parametrize("missing", list(ELEMENTS_ZH))
def test_c1_each_of_the_ten_elements_is_required(missing):
    incomplete = {k: v for k, v in elements().items() if k != missing}
    refused(
        "CATALOGUE_ELEMENTS_MISSING",
        "C1",
        lambda: CatalogueItem.list_item(actor=OFFICER, occurred_at=None, elements=incomplete, reason="law_changed"),
    )


def test_c1_blank_element_counts_as_missing_and_mode_is_checked():
    refused(
        "CATALOGUE_ELEMENTS_MISSING", "C1",
        lambda: CatalogueItem.list_item(actor=OFFICER, occurred_at=None, elements=elements(column="  "), reason="other", reason_text="x"),
    )
    refused(
        "CATALOGUE_MODE_INVALID", "C1",
        lambda: CatalogueItem.list_item(actor=OFFICER, occurred_at=None, elements=elements(mode="sometimes"), reason="law_changed"),
    )


def test_c1_item_with_all_elements_is_listed():
    item = listed()
    assert item.elements["matter"] == "政府信息公开年度报告"
    assert item.unfiled == [1]


@given(reason=st.text(max_size=20), text=st.text(max_size=10))
def test_c2_adjustment_needs_a_known_reason_and_other_needs_text(reason, text):
    valid = reason in {"law_changed", "element_changed", "function_changed"} or (
        reason == "other" and text.strip()
    )
    item = listed()
    try:
        item.amend(actor=OFFICER, occurred_at=None, changes={"column": "年报专栏"}, reason=reason, reason_text=text)
    except DomainError as error:
        assert not valid
        assert error.rule == "C2"
        assert not item.collect_events()
    else:
        assert valid
        assert [type(e).__name__ for e in item.collect_events()] == ["Amended"]


def test_c2_amendment_that_changes_nothing_is_refused():
    item = listed()
    refused("AMENDMENT_EMPTY", "C2",
            lambda: item.amend(actor=OFFICER, occurred_at=None, changes={"column": "政府信息公开年报"}, reason="element_changed"))


def test_c3_only_the_responsible_unit_adjusts():
    refused(
        "NOT_RESPONSIBLE_UNIT", "C3",
        lambda: CatalogueItem.list_item(actor=OTHER_UNIT, occurred_at=None, elements=elements(), reason="law_changed"),
    )
    item = listed()
    refused("NOT_RESPONSIBLE_UNIT", "C3",
            lambda: item.amend(actor=OTHER_UNIT, occurred_at=None, changes={"column": "x"}, reason="law_changed"))
    refused("NOT_RESPONSIBLE_UNIT", "C3", lambda: item.withdraw(actor=OTHER_UNIT, occurred_at=None, reason="law_changed"))


def test_c4_adjustments_await_filing_until_filed():
    item = listed()
    item.amend(actor=OFFICER, occurred_at=None, changes={"channels": ["政府网站", "政务新媒体"]}, reason="element_changed")
    assert item.unfiled == [1, 2]
    item.file_adjustments(actor=OFFICER, occurred_at=None, adjusted_content="新增政务新媒体渠道", basis="第四条（二）")
    assert item.unfiled == []
    filed = item.collect_events()[-1]
    assert filed.adjustments == [1, 2]
    assert filed.content_after["channels"] == ["政府网站", "政务新媒体"]
    refused("NOTHING_TO_FILE", "C4", lambda: item.file_adjustments(actor=OFFICER, occurred_at=None, adjusted_content="x", basis="y"))


def test_c4_filing_needs_content_and_basis():
    item = listed()
    refused("FILING_INCOMPLETE", "C4", lambda: item.file_adjustments(actor=OFFICER, occurred_at=None, adjusted_content="", basis="第四条"))


def test_c2_withdrawn_item_cannot_be_adjusted_again():
    item = listed()
    item.withdraw(actor=OFFICER, occurred_at=None, reason="function_changed")
    assert item.unfiled == [1, 2]
    refused("CATALOGUE_ITEM_WITHDRAWN", None,
            lambda: item.amend(actor=OFFICER, occurred_at=None, changes={"column": "x"}, reason="law_changed"))

"""The SVG writer and the two charts: well-formed, escaped, accessible, one bar per item."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from engine.report.charts import Svg, horizontal_bars, report_charts, vertical_bars

NS = {"svg": "http://www.w3.org/2000/svg"}
NASTY = "<script>alert('x')</script> & \"Tom & Jerry's\" <b>"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises if the markup is not well-formed


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall("svg:g[@class='bar']/svg:rect", NS)


def test_a_label_with_markup_characters_is_escaped_and_read_back_unchanged():
    svg = horizontal_bars(NASTY, [(NASTY, 3), ("Plain", 1)])
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    texts = [t.text for t in root.findall("svg:text", NS)]
    assert NASTY in texts
    assert root.find("svg:title", NS).text == NASTY
    assert root.get("aria-label") == NASTY


def test_horizontal_bars_draw_one_bar_per_item_longest_for_the_largest():
    items = [("Allegation made about school staff", 4), ("Racist or homophobic comment", 10), ("None", 0)]
    root = parse(horizontal_bars("By category", items))
    widths = [float(rect.get("width")) for rect in bars(root)]
    assert len(widths) == 3
    assert widths[1] == max(widths) and widths[2] == 0
    assert widths[0] == pytest.approx(widths[1] * 4 / 10, abs=0.1)


def test_vertical_bars_draw_one_column_per_term_with_its_label_and_value():
    items = [("Autumn 2025", 5), ("Spring 2026", 0), ("Summer 2026", 12)]
    root = parse(vertical_bars("By term", items))
    heights = [float(rect.get("height")) for rect in bars(root)]
    assert len(heights) == 3 and heights[1] == 0 and heights[2] == max(heights)
    texts = [t.text for t in root.findall("svg:text", NS)]
    assert {"Autumn 2025", "Spring 2026", "Summer 2026", "5", "12"} <= set(texts)


def test_charts_are_images_with_a_title_a_description_and_a_title_per_bar():
    root = parse(vertical_bars("Cases by term", [("Autumn 2025", 5)]))
    assert root.get("role") == "img" and root.get("aria-label") == "Cases by term"
    assert root[0].tag == "{http://www.w3.org/2000/svg}title"
    assert root.find("svg:desc", NS).text == "Autumn 2025: 5"
    assert root.find("svg:g/svg:title", NS).text == "Autumn 2025: 5"


def test_an_empty_chart_is_still_a_well_formed_image():
    for svg in (horizontal_bars("Nothing", []), vertical_bars("Nothing", [])):
        root = parse(svg)
        assert bars(root) == [] and root.find("svg:desc", NS).text == "no data"


def test_the_writer_escapes_attribute_values_and_names_them_with_dashes():
    svg = Svg(10, 10, "t", "d")
    svg.element("text", "a<b", x=1, text_anchor='"end"&', class_="c")
    root = parse(svg.render())
    text = root.find("svg:text", NS)
    assert text.text == "a<b" and text.get("text-anchor") == '"end"&' and text.get("class") == "c"


def _two_month_report():  # type: ignore[no-untyped-def]
    from datetime import UTC, date, datetime

    from engine.report.monitoring import Count, PeriodCount, Report, SchoolDays

    none = SchoolDays("resolution", "Report to resolution", 0, None, None)
    return Report(
        "School",
        date(2026, 1, 1),
        date(2026, 2, 28),
        "month",
        datetime(2026, 3, 1, tzinfo=UTC),
        (),
        (Count("a", "Category A", 2), Count("b", "Category B", 0)),
        (
            PeriodCount("2026-01", "Jan 2026", date(2026, 1, 1), date(2026, 1, 31), 2),
            PeriodCount("2026-02", "Feb 2026", date(2026, 2, 1), date(2026, 2, 28), 0),
        ),
        (),
        (),
        (),
        (),
        none,
        (),
    )


def test_a_report_gets_a_chart_by_category_and_one_by_period():
    charts = report_charts(_two_month_report())
    assert [len(bars(parse(charts[name]))) for name in ("categories", "periods")] == [2, 2]
    assert parse(charts["periods"]).get("aria-label") == "Cases opened, by month"


def test_the_annual_review_draws_with_the_same_builder_last_years_periods_beside_this_years():
    report = _two_month_report()
    charts = report_charts(report, during=" in 2026", periods=(*report.periods, *report.periods))
    assert parse(charts["categories"]).get("aria-label") == "Cases opened in 2026, by category"
    assert len(bars(parse(charts["periods"]))) == 4

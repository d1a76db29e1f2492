"""Bar charts as SVG text, drawn on the server: no script, no fonts or files from the network.

A tiny writer (`Svg`) escapes every text and attribute; the two charts the report needs are built on
it: horizontal bars (one labelled bar per category) and vertical bars (one per term or month). Each
chart is an accessible image: role="img", an aria-label, a <title> and a <desc> listing the values,
and a <title> on each bar that a browser shows on hover.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

if TYPE_CHECKING:
    from engine.report.monitoring import Report

# Presentation attributes, not a style attribute: the web app's Content-Security-Policy forbids inline styles.
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Arial, sans-serif"
FONT_SIZE = "12"
BAR = "#2f6f9f"
INK = "#1f2933"
GRID = "#d0d7de"
CHAR_WIDTH = 6.6  # px per character at 12px: enough to size the label column without measuring text


class Svg:
    """An SVG document built element by element; text and attribute values are always escaped."""

    def __init__(self, width: float, height: float, title: str, description: str) -> None:
        self.width, self.height = width, height
        self.title, self.description = title, description
        self._parts: list[str] = []

    def element(self, name: str, content: str | None = None, **attrs: str | float) -> None:
        """One element; `content` is text (escaped here). Attribute names use _ for - (font_size)."""
        rendered = "".join(f" {key.rstrip('_').replace('_', '-')}={quoteattr(_fmt(value))}" for key, value in attrs.items())
        self._parts.append(f"<{name}{rendered}/>" if content is None else f"<{name}{rendered}>{escape(content)}</{name}>")

    def open(self, name: str, **attrs: str | float) -> None:
        rendered = "".join(f" {key.rstrip('_').replace('_', '-')}={quoteattr(_fmt(value))}" for key, value in attrs.items())
        self._parts.append(f"<{name}{rendered}>")

    def close(self, name: str) -> None:
        self._parts.append(f"</{name}>")

    def render(self) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label={quoteattr(self.title)} '
            f'width="{_fmt(self.width)}" height="{_fmt(self.height)}" viewBox="0 0 {_fmt(self.width)} {_fmt(self.height)}" '
            f'font-family={quoteattr(FONT_FAMILY)} font-size="{FONT_SIZE}">'
        )
        return "".join(
            [head, f"<title>{escape(self.title)}</title>", f"<desc>{escape(self.description)}</desc>", *self._parts, "</svg>"]
        )


def _fmt(value: str | float) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def _describe(items: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in items) or "no data"


def horizontal_bars(title: str, items: Sequence[tuple[str, int]], *, width: float = 720) -> str:
    """One bar per item, its label on the left and its value at the bar's end."""
    label_width = min(max((len(label) for label, _ in items), default=10) * CHAR_WIDTH + 12, width * 0.55)
    row, top = 24, 8
    height = top * 2 + row * max(len(items), 1)
    area = width - label_width - 48
    most = max((value for _, value in items), default=0) or 1
    svg = Svg(width, height, title, _describe(items))
    for n, (label, value) in enumerate(items):
        y = top + n * row
        svg.element("text", label, x=label_width - 8, y=y + 16, text_anchor="end", fill=INK)
        svg.open("g", class_="bar")
        svg.element("title", f"{label}: {value}")
        svg.element("rect", x=label_width, y=y + 4, width=float(area * value / most), height=row - 8, fill=BAR)
        svg.close("g")
        svg.element("text", str(value), x=label_width + area * value / most + 6, y=y + 16, fill=INK)
    return svg.render()


def vertical_bars(title: str, items: Sequence[tuple[str, int]], *, height: float = 260) -> str:
    """One column per item (a term or a month), labels slanted underneath."""
    column = 44.0
    longest = max((len(label) for label, _ in items), default=4) * CHAR_WIDTH
    # Labels slant down to the left at 40 degrees: leave room for the first one and for the deepest.
    left, label_room = max(36.0, longest * 0.77 - column / 2 + 8), longest * 0.64 + 24
    width = left + column * max(len(items), 1) + 12
    area = height - label_room - 16
    most = max((value for _, value in items), default=0) or 1
    svg = Svg(width, height, title, _describe(items))
    base = 16 + area
    svg.element("line", x1=left, y1=base, x2=width - 8, y2=base, stroke=GRID)
    svg.element("text", str(most), x=left - 6, y=20, text_anchor="end", fill=INK)
    svg.element("text", "0", x=left - 6, y=base, text_anchor="end", fill=INK)
    for n, (label, value) in enumerate(items):
        x = left + n * column + 6
        bar = area * value / most
        svg.open("g", class_="bar")
        svg.element("title", f"{label}: {value}")
        svg.element("rect", x=x, y=base - bar, width=column - 12, height=float(bar), fill=BAR)
        svg.close("g")
        svg.element("text", str(value), x=x + (column - 12) / 2, y=base - bar - 4, text_anchor="middle", fill=INK)
        svg.element(
            "text",
            label,
            x=x + (column - 12) / 2,
            y=base + 14,
            text_anchor="end",
            fill=INK,
            transform=f"rotate(-40 {x + (column - 12) / 2:.1f} {base + 14:.1f})",
        )
    return svg.render()


class Counted(Protocol):
    """A labelled count (a category's, a period's)."""

    @property
    def label(self) -> str: ...
    @property
    def value(self) -> int: ...


def report_charts(report: Report, *, during: str = "", periods: Sequence[Counted] | None = None) -> dict[str, Markup]:
    """The report's two charts, the one builder for the report page and the annual review: cases opened by
    category (`during`, such as " in 2026", names the span), and by month or term (the labels carry the year;
    `periods` replaces the report's own, for a review drawing two years' terms side by side)."""
    by_period = report.periods if periods is None else periods
    return {
        # The SVG writer escaped every text it holds, so the markup is safe to place as it is.
        "categories": Markup(
            horizontal_bars(f"Cases opened{during}, by category", [(c.label, c.value) for c in report.categories])
        ),
        "periods": Markup(vertical_bars(f"Cases opened, by {report.by}", [(p.label, p.value) for p in by_period])),
    }

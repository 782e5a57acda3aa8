"""Charts as vector SVG (pygal), the same on the web dashboard and in the PDF reports.

Each function takes a figure as `{label: count}` and returns an SVG string with no script and
no XML declaration, ready to embed inline in HTML or in a WeasyPrint page. Labels are text
nodes and attributes written by the XML serialiser, so user-entered titles are escaped.
"""

from __future__ import annotations

import hashlib
import re
import textwrap

import pygal
from flask_babel import gettext
from pygal.style import Style

# Okabe & Ito (2008), distinguishable with every common colour-vision deficiency;
# the strongest contrasts first, yellow late because it is faint on white.
OKABE_ITO = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
FONT_FAMILY = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
)
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    opacity="1",
    opacity_hover="0.85",
    colors=OKABE_ITO,
    font_family=FONT_FAMILY,
    label_font_size=14,
    major_label_font_size=14,
    value_font_size=14,
    value_label_font_size=14,
    title_font_size=18,
    legend_font_size=14,
    tooltip_font_size=14,
    no_data_font_size=18,
)
WIDTH = 800
#: A bar's label is wrapped at this many characters, on at most LABEL_LINES lines (the last
#: shortened with "…"): long labels (key outcomes) would otherwise take the whole plot.
LABEL_CHARS = 30
LABEL_LINES = 3


def _without_scripts(root):
    """xml_filter: drop every <script> pygal writes (its config blob carries the labels)."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


def _accessible(title: str):
    """xml_filter: mark the SVG as one image named by its title for screen readers."""

    def apply(root):
        root.set("role", "img")
        root.set("aria-label", title)
        return root

    return apply


def _config(title: str, height: int, **options) -> pygal.Config:
    return pygal.Config(
        js=[],
        disable_xml_declaration=True,
        style=STYLE,
        title=title,
        width=WIDTH,
        height=height,
        explicit_size=False,
        print_values=True,
        print_zeroes=False,
        tooltip_fancy_mode=False,
        no_data_text=gettext("No data yet"),
        value_formatter=lambda value: f"{value:g}",
        **options,
    )


def _without_inline_styles(root):
    """xml_filter for web pages: drop pygal's <style> elements, style attributes and its
    script-driven tooltip, which the Content Security Policy would block; the same rules come
    from static/css/charts.css (`chart_css`)."""
    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str):
                continue
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "style" or "tooltip" in (child.get("class") or "").split():
                parent.remove(child)
        parent.attrib.pop("style", None)
    return root


_CHART_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_GENERATED = re.compile(r"<!--Generated with pygal[^>]*-->")


def _stable(svg: str) -> str:
    """The same chart gives the same SVG: pygal's random id (uuid4) becomes one made from the
    chart itself, and its dated comment is dropped, so a report's HTML depends only on its data
    (a report as of a past date is the same document whenever it is made)."""
    svg = _GENERATED.sub("", svg)
    ids = set(_CHART_ID.findall(svg))
    if len(ids) == 1:
        d = hashlib.sha256(_CHART_ID.sub("chart", svg).encode()).hexdigest()
        svg = svg.replace(ids.pop(), f"chart-{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}")
    return svg


def _render(chart, title: str, web: bool) -> str:
    chart.add_xml_filter(_without_scripts)
    chart.add_xml_filter(_accessible(title))
    if web:
        chart.add_xml_filter(_without_inline_styles)
    return _stable(chart.render(is_unicode=True))


def chart_css() -> str:
    """The rules pygal writes into each chart, for every chart (its id becomes the class
    `pygal-chart`): static/css/charts.css, which a test keeps equal to this."""
    rules = []
    for make in (bar_chart, pie_chart):
        for style in re.findall(r"<style[^>]*>(.*?)</style>", make("x", {"a": 1}), re.S):
            rules.append(re.sub(r"#chart-[0-9a-f-]{36}", ".pygal-chart", style))
    return "\n".join(rules) + "\n"


def _point(count: int | float, link: str | None) -> dict:
    point = {"value": count}
    if link:
        point["xlink"] = {"href": link, "target": "_self"}
    return point


def _integer_ticks(top: float, most: int = 6) -> list[int]:
    """Whole-number axis ticks from 0 to at least `top` (counts have no fractions)."""
    step = max(1, -(-int(top) // (most - 1)))
    return list(range(0, max(int(top), 1) + step, step))


def _wrap(label: str, width: int = LABEL_CHARS) -> list[str]:
    lines = textwrap.wrap(label, width) or [label]
    if len(lines) > LABEL_LINES:
        lines = lines[:LABEL_LINES]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _placeholder(index: int) -> str:
    """A stand-in label as wide as a wrapped line, unique per bar (pygal sizes its label
    column from the labels' length)."""
    return f"{'0' * (LABEL_CHARS - 4)}{index:04d}"


def _wrapped_labels(lines_of: dict[str, list[str]], centred: bool = True):
    """xml_filter: each stand-in label becomes its label's lines (tspans, centred on the bar,
    or going down from the axis), and a tooltip title the full label."""

    def apply(root):
        for element in root.iter():
            if not isinstance(element.tag, str) or element.text not in lines_of:
                continue
            lines = lines_of[element.text]
            if element.tag.rsplit("}", 1)[-1] != "text":
                element.text = " ".join(lines)
                continue
            element.text = None
            x = element.get("x", "0")
            namespace = element.tag[: -len("text")]
            for number, line in enumerate(lines):
                tspan = element.makeelement(namespace + "tspan", {"x": x})
                first = f"{-0.6 * (len(lines) - 1):.1f}em" if centred else "0em"
                dy = first if number == 0 else "1.2em"
                tspan.set("dy", dy)
                tspan.text = line
                element.append(tspan)
        return root

    return apply


def _without_guides(root):
    """xml_filter: no guide lines across the plot (pygal draws them whatever its options say):
    they would strike through the value printed at each bar's end."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and "guide" in (child.get("class") or "").split():
                if child.tag.rsplit("}", 1)[-1] == "path":
                    parent.remove(child)
    return root


def bar_chart(
    title: str,
    data: dict[str, int | float],
    links: dict[str, str | None] | None = None,
    web: bool = False,
) -> str:
    """A horizontal bar chart, one bar per label, each bar linking to `links[label]` if set
    (`web`: for a page, its styles in static/css/charts.css)."""
    links = links or {}
    wrapped = {label: _wrap(label) for label in data}
    lines = max((len(w) for w in wrapped.values()), default=1)
    config = _config(
        title,
        height=140 + max(44, 18 * lines + 12) * max(len(data), 1),
        show_legend=False,
        print_values_position="top",
        truncate_label=-1,
        show_x_guides=False,
        show_y_guides=False,
        y_labels=_integer_ticks(max(data.values(), default=0)),
    )
    chart = pygal.HorizontalBar(config)
    # pygal draws the first label at the bottom; reverse so the table and chart read alike.
    labels = list(data)[::-1]
    stand_ins = {label: _placeholder(i) for i, label in enumerate(labels)}
    chart.x_labels = [stand_ins[label] for label in labels]
    chart.add(title, [_point(data[label], links.get(label)) for label in labels])
    chart.add_xml_filter(_wrapped_labels({stand_ins[k]: v for k, v in wrapped.items()}))
    chart.add_xml_filter(_without_guides)
    return _render(chart, title, web)


def stacked_bar_chart(
    title: str,
    categories: list[str],
    series: dict[str, list[int | float]],
    web: bool = False,
) -> str:
    """Vertical bars, one per category (e.g. reporting cycles), stacked by series (e.g.
    statuses, one colour each, in the legend); category labels wrapped under the bars."""
    width = max(12, min(LABEL_CHARS, 90 // max(len(categories), 1)))
    stand_ins = {f"{i:03d}": _wrap(label, width) for i, label in enumerate(categories)}
    lines = max((len(v) for v in stand_ins.values()), default=1)
    config = _config(
        title,
        height=480,
        legend_at_bottom=True,
        legend_at_bottom_columns=4,
        truncate_legend=-1,
        truncate_label=-1,
        show_x_guides=False,
        show_y_guides=False,
        spacing=10 + 14 * (lines - 1),  # room for the wrapped labels above the legend
    )
    chart = pygal.StackedBar(config)
    chart.x_labels = list(stand_ins)
    for name, values in series.items():
        chart.add(name, list(values))
    chart.add_xml_filter(_wrapped_labels(stand_ins, centred=False))
    chart.add_xml_filter(_without_guides)
    return _render(chart, title, web)


def pie_chart(
    title: str,
    data: dict[str, int | float],
    links: dict[str, str | None] | None = None,
    web: bool = False,
) -> str:
    """A pie chart, one slice per label (keep to eight or fewer: the palette has eight)."""
    links = links or {}
    config = _config(
        title,
        height=420,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_legend=40,
        inner_radius=0.4,
    )
    chart = pygal.Pie(config)
    for label, count in data.items():
        # Every slice labelled: the legend carries the count (a thin slice has no room).
        chart.add(f"{label}: {count:g}", [_point(count, links.get(label))])
    return _render(chart, title, web)

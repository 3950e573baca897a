"""A small layered drawing of one side's neighbourhood as SVG, made on the server so the page
works without script: what depends on the focus on the left, the focus in the middle, what
the focus depends on at the right. Edges carry their kind in colour *and* line style (solid,
dashed, dotted), and a ``<title>`` each, so colour is never the only cue."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from .graph import GraphEdge, GraphNode, GraphSide

COLUMN_WIDTH = 230
ROW_HEIGHT = 46
NODE_WIDTH = 180
NODE_HEIGHT = 30
STYLE = {
    "added": ("#1a7f37", "", 3),
    "removed": ("#cf222e", "8 5", 3),
    "kept": ("#9a6700", "2 4", 2),
    "same": ("#57606a", "", 1.5),
}
MAX_LABEL = 26


def render(side: GraphSide, title: str, element_id: str) -> str:
    columns: dict[int, list[str]] = defaultdict(list)
    labels = {}
    for node in side.nodes:
        columns[node.column].append(node.id)
        labels[node.id] = node.label
    rows = max((len(v) for v in columns.values()), default=1)
    width = COLUMN_WIDTH * 3
    height = max(rows, 1) * ROW_HEIGHT + 20
    place: dict[str, tuple[float, float]] = {}
    for column, members in columns.items():
        offset = (height - len(members) * ROW_HEIGHT) / 2
        for index, member in enumerate(members):
            x = (column + 1) * COLUMN_WIDTH + (COLUMN_WIDTH - NODE_WIDTH) / 2
            place[member] = (x, offset + index * ROW_HEIGHT + (ROW_HEIGHT - NODE_HEIGHT) / 2)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(element_id)}" role="img" '
        f'aria-labelledby="{escape(element_id)}-title" viewBox="0 0 {width} {height:.0f}" '
        f'width="{width}" height="{height:.0f}" font-family="system-ui, sans-serif" '
        'font-size="13">',
        f'<title id="{escape(element_id)}-title">{escape(title)}</title>',
        "<defs>",
    ]
    for kind, (colour, _, _) in STYLE.items():
        out.append(
            f'<marker id="{escape(element_id)}-arrow-{kind}" viewBox="0 0 10 10" refX="10" '
            'refY="5" '
            f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    for edge in side.edges:
        if edge.source in place and edge.target in place:
            out.append(_edge(edge, place, labels, element_id))
    for node in side.nodes:
        out.append(_node(node, place[node.id]))
    out.append("</svg>")
    return "".join(out)


def _edge(
    edge: GraphEdge, place: dict[str, tuple[float, float]], labels: dict[str, str], element_id: str
) -> str:
    (x1, y1), (x2, y2) = place[edge.source], place[edge.target]
    colour, dash, stroke = STYLE[edge.kind]
    mid1, mid2 = y1 + NODE_HEIGHT / 2, y2 + NODE_HEIGHT / 2
    if x1 == x2:  # within one column: a curve out to the right and back
        bend = x1 + NODE_WIDTH + 40
        right = x1 + NODE_WIDTH
        path = f"M {right:.0f} {mid1:.0f} C {bend:.0f} {mid1:.0f} {bend:.0f} {mid2:.0f} "
        path += f"{right:.0f} {mid2:.0f}"
    elif x2 > x1:
        path = f"M {x1 + NODE_WIDTH:.0f} {mid1:.0f} L {x2:.0f} {mid2:.0f}"
    else:
        path = f"M {x1:.0f} {mid1:.0f} L {x2 + NODE_WIDTH:.0f} {mid2:.0f}"
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    says = (
        f"{labels.get(edge.source, edge.source)} depends on "
        f"{labels.get(edge.target, edge.target)}: {edge.kind}. {edge.why}"
    )
    key = escape(f"{edge.source}>{edge.target}")
    return (
        f'<path class="edge edge-{edge.kind}" data-edge="{key}" d="{path}" fill="none" '
        f'stroke="{colour}" stroke-width="{stroke}"{dash_attr} '
        f'marker-end="url(#{escape(element_id)}-arrow-{edge.kind})">'
        f"<title>{escape(says)}</title></path>"
    )


def _node(node: GraphNode, at: tuple[float, float]) -> str:
    x, y = at
    focus = node.column == 0
    text = node.label if len(node.label) <= MAX_LABEL else node.label[: MAX_LABEL - 1] + "…"
    fill = "#ddf4ff" if focus else "#ffffff"
    weight = ' font-weight="700"' if focus else ""
    return (
        f'<g class="node" data-node="{escape(node.id)}"><title>{escape(node.label)}</title>'
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="5" '
        f'fill="{fill}" stroke="#0b5cad" stroke-width="{2 if focus else 1}"/>'
        f'<text x="{x + NODE_WIDTH / 2:.0f}" y="{y + NODE_HEIGHT / 2 + 4:.0f}" '
        f'text-anchor="middle"{weight}>{escape(text)}</text></g>'
    )

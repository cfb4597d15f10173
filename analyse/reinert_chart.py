"""The dendrogram of a Reinert classification as accessible SVG (see analyse/charts.py): the
corpus on the left, each bipartition one step to the right in the order it happened, the terminal
classes on the right with their share and first words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from analyse.charts import PALETTE, _plain, _svg, french_number


def dendrogram_svg(
    chart_id: str,
    splits: Sequence[Sequence],
    leaves: Mapping[int, int],
    labels: Mapping[int, str],
) -> str:
    """`splits`: (parent, left, right, χ²) in the order they happened; `leaves`: node -> class
    number; `labels`: class number -> its label (« Classe 1 · 23 % »)."""
    children = {int(parent): (int(left), int(right)) for parent, left, right, *_ in splits}
    step = {int(split[0]): index for index, split in enumerate(splits, start=1)}
    depth = len(splits) + 1
    positions: dict[int, float] = {}
    order: list[int] = []

    def place(node: int) -> float:
        if node in children:
            first, second = children[node]
            positions[node] = (place(first) + place(second)) / 2
        else:
            positions[node] = float(len(order))
            order.append(node)
        return positions[node]

    place(0)
    figure = Figure(figsize=(3.6, 0.5 + 0.45 * max(len(order), 1)))
    axes = figure.add_subplot()
    for parent, (first, second) in children.items():
        x = step[parent] - 1
        for child in (first, second):
            child_x = step.get(child, depth) - 1
            axes.plot([x, x], [positions[parent], positions[child]], color="#1b1b1b", lw=1.2)
            axes.plot([x, child_x], [positions[child]] * 2, color="#1b1b1b", lw=1.2)
    for node in order:
        number = leaves[node]
        axes.plot(
            [depth - 1],
            [positions[node]],
            marker="s",
            markersize=9,
            color=PALETTE[(number - 1) % len(PALETTE)],
        )
    axes.set_yticks(
        [positions[node] for node in order],
        [_plain(labels.get(leaves[node], f"Classe {leaves[node]}")) for node in order],
        fontsize=11,
    )
    axes.yaxis.tick_right()
    axes.invert_yaxis()
    axes.set_xlim(-0.3, depth - 0.7)
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    axes.tick_params(axis="x", bottom=False, labelbottom=False)
    axes.tick_params(axis="y", length=0)
    description = (
        f"Arbre de la classification : le corpus est coupé en deux {len(splits)} fois, "
        f"la plus grande classe à chaque fois, jusqu'à {len(order)} classes. "
        + " ".join(
            f"Partition {index} : χ² {french_number(split[3], 1)}."
            for index, split in enumerate(splits, start=1)
        )
    )
    return _svg(figure, chart_id, "Dendrogramme des classes", description)

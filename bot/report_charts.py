"""The report's charts as PNG ``data:`` URIs (matplotlib, Agg canvas, no pyplot state)."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe-Ito (distinguishable with the common colour-vision deficiencies), without its
# yellow, too pale on white; then a grey with 4.5:1 contrast for "the rest".
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
GREY = "#767676"


def _figure(height: float = 3.2) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(8, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def stacked_bars(weeks: Sequence[str], series: Mapping[str, Sequence[int]], ylabel: str) -> str:
    """One bar per week, one coloured part per series (grey after the seventh)."""
    figure, axes = _figure(3.8)
    bottom = [0] * len(weeks)
    for index, (name, values) in enumerate(series.items()):
        colour = COLOURS[index] if index < len(COLOURS) else GREY
        axes.bar(weeks, values, bottom=bottom, label=name, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel(ylabel)
    axes.set_xlabel("Settimana (dal lunedì)")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    axes.tick_params(axis="x", labelrotation=45)
    return _data_uri(figure)


def lines(weeks: Sequence[str], series: Mapping[str, Sequence[float]], ylabel: str) -> str:
    """One line with markers per series, over the weeks (NaN: no point)."""
    figure, axes = _figure()
    for index, (name, values) in enumerate(series.items()):
        axes.plot(weeks, values, marker="os^"[index % 3], label=name, color=COLOURS[index])
    axes.set_ylabel(ylabel)
    axes.set_ylim(bottom=0)
    axes.legend(frameon=False)
    axes.tick_params(axis="x", labelrotation=45)
    return _data_uri(figure)


def bars(weeks: Sequence[str], values: Sequence[int], ylabel: str) -> str:
    figure, axes = _figure()
    axes.bar(weeks, values, color=COLOURS[5])
    axes.set_ylabel(ylabel)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.tick_params(axis="x", labelrotation=45)
    return _data_uri(figure)


def horizontal_split(labels: Sequence[str], left: Sequence[int], right: Sequence[int],
                     names: tuple[str, str]) -> str:
    """One horizontal bar per label, split in two parts (e.g. useful / not useful)."""
    figure, axes = _figure(max(2.0, 0.45 * len(labels) + 1.0))
    axes.barh(labels, left, color=COLOURS[0], label=names[0])
    axes.barh(labels, right, left=left, color=COLOURS[1], label=names[1])
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel("Voti")
    axes.legend(frameon=False, loc="lower right")
    return _data_uri(figure)

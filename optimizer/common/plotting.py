"""Picture helpers both planners' plots use (matplotlib, no display needed)."""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    """A figure drawn by the Agg canvas (no GUI backend, thread-safe), 100 dpi."""
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def draw_no_schedule(ax: Axes, title: str, status: str) -> None:
    """The picture of a plan with nothing scheduled: its title and status."""
    ax.set_title(title, loc="left", fontsize=11)
    ax.text(0.5, 0.5, f"no schedule ({status})", ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()

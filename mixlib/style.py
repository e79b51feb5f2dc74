"""One look for every figure in the book."""

from __future__ import annotations

import matplotlib as mpl


def use_book_style() -> None:
    """Set matplotlib's defaults for the book: the colour-blind-safe palette,
    compact figures, light grid, no top/right spines; SVG output in notebooks.

    Text is sized for the page: a 9-inch figure shrunk to the text column shows
    13 pt as about 14 px, near the 16 px of the body text.  Glyphs are written
    as paths, so symbols such as the calligraphic N and F show in every browser
    (a font name in the SVG would need the reader to have that font)."""
    from cycler import cycler

    from .plotting import PALETTE

    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=list(PALETTE)),
            "figure.figsize": (6.0, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 13,
            "axes.labelsize": 13,
            "axes.titlesize": 13,
            "xtick.labelsize": 12,
            "ytick.labelsize": 12,
            "legend.fontsize": 12,
            "legend.frameon": False,
            "svg.fonttype": "path",
        }
    )
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg")
    except ImportError:  # outside IPython there is no inline backend to configure
        pass

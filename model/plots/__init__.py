"""Plots of run results, drawn with matplotlib without a display.

Every function takes tables (the DataFrames of a result object, or the same
tables read back from a run folder's CSV files) and returns a
`matplotlib.figure.Figure`. Figures are made with the object API, not
``pyplot``, so nothing global changes and a notebook does not show a figure
twice. Result objects expose them as an accessor::

    result.plot.mix()            # sourcing mix per commodity, faceted by stage
    result.plot.china_share()    # China's share of supply against its cap
    curve_result.plot.curve()    # the price of de-risking
    stress_result.plot.criticality()
    compare_result.plot.comparison()

`figure_files` renders a figure to PNG and SVG bytes that do not change from
one run to the next (no dates or software tags, a fixed SVG id salt), so run
folders stay byte-identical for the same inputs.

Modules: `common` (style, colours, figure files), `solve` and `sensitivity` (the
charts of each kind of run), `run` (which figures a run folder has) and `accessors`
(``result.plot``). Importing this package imports matplotlib.
"""

from model.plots.accessors import ComparePlots, CurvePlots, ResultPlots, StressPlots, SweepPlots
from model.plots.common import (
    CASE_COLOURS,
    CHINA_COLOUR,
    DOMESTIC_COLOUR,
    LINE_COLOURS,
    OTHER_COLOURS,
    PARTNER_COLOURS,
    UNMET_COLOUR,
    country_colours,
    country_kinds,
    figure_files,
)
from model.plots.run import plot_files, run_figures
from model.plots.sensitivity import comparison, criticality, curve, sweep
from model.plots.solve import china_share, mix, stages

__all__ = [
    "CASE_COLOURS",
    "CHINA_COLOUR",
    "DOMESTIC_COLOUR",
    "LINE_COLOURS",
    "OTHER_COLOURS",
    "PARTNER_COLOURS",
    "UNMET_COLOUR",
    "ComparePlots",
    "CurvePlots",
    "ResultPlots",
    "StressPlots",
    "SweepPlots",
    "china_share",
    "comparison",
    "country_colours",
    "country_kinds",
    "criticality",
    "curve",
    "figure_files",
    "mix",
    "plot_files",
    "run_figures",
    "stages",
    "sweep",
]

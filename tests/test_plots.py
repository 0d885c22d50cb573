"""Plots: figures from every result kind, colours by supplier kind, no overlapping or
clipped text, byte-identical files, and the plots each run folder holds."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib.colors
import matplotlib.image
import matplotlib.text
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from model import load_case, plots, solve
from model.compare import compare
from model.curve import curve
from model.stress import stress
from model.sweep import sweep
from tests.conftest import COUNTRIES

WORLD = [*COUNTRIES, ("BRA", "Brazil", "")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    """A two-stage case where a 50% China cap leaves the magnet short."""
    from tests.conftest import write_case

    root = tmp_path_factory.mktemp("plots")
    folder = write_case(
        root / "tiny",
        countries=WORLD,
        commodities=[("oxide", 0, "refining"), ("magnet", 100, "component")],
        supply=[
            ("oxide", "CHN", 100, 10),
            ("oxide", "AUS", 10, 12),
            ("oxide", "USA", 5, 13),
            ("oxide", "BRA", 10, 14),
            ("magnet", "CHN", 100, 50),
            ("magnet", "JPN", 40, 60),
        ],
        recipes=[("magnet", "oxide", 0.5)],
        policy={"max_china_share": 0.5},
    )
    case = load_case(folder)
    return case, solve(case)


def drawn_texts(fig: Figure) -> list[tuple[str, object]]:
    """Every piece of text the figure draws, with its box in pixels.

    Tick labels outside the axes' view are kept by matplotlib but not drawn,
    so only the ticks an axis actually draws are counted.
    """
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tick_labels, drawn = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            tick_labels |= {id(t.label1) for t in ticks} | {id(t.label2) for t in ticks}
            for tick in axis._update_ticks():
                drawn += [lab for lab in (tick.label1, tick.label2) if lab.get_visible()]
    others = [t for t in fig.findobj(matplotlib.text.Text) if id(t) not in tick_labels]
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in others + drawn
        if t.get_visible() and t.get_text().strip()
    ]


def text_problems(fig: Figure) -> list[str]:
    """Pairs of texts that overlap, and texts that stick out of the figure."""
    boxes = drawn_texts(fig)
    out = [
        f"{a!r} overlaps {b!r}"
        for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
        if ba.padded(-0.5).overlaps(bb.padded(-0.5))
    ]
    w, h = fig.bbox.width, fig.bbox.height
    out += [
        f"{a!r} is cut off"
        for a, b in boxes
        if b.x0 < -1 or b.y0 < -1 or b.x1 > w + 1 or b.y1 > h + 1
    ]
    return out


def test_the_overlap_check_catches_overlaps():
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.set_title("a long title in the way")
    ax.text(0.5, 1.02, "a label on top of it", transform=ax.transAxes, ha="center")
    ax.text(1.2, 0.5, "far off the right edge", transform=ax.transAxes)
    problems = text_problems(fig)
    assert any("overlaps" in p for p in problems) and any("cut off" in p for p in problems)


def colour_of(patch: Rectangle) -> str:
    return matplotlib.colors.to_hex(patch.get_facecolor())


def test_mix_colours_suppliers_by_kind_and_shows_unmet_need(tiny):
    case, result = tiny
    fig = result.plot.mix()
    assert isinstance(fig, Figure)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["refining", "component"]
    colours = plots.country_colours(case.countries)
    oxide_bars = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    bar_colours = {colour_of(p) for p in oxide_bars}
    assert bar_colours == {colours[c] for c in ("CHN", "AUS", "USA", "BRA")}
    assert colours["CHN"] == plots.CHINA_COLOUR
    assert colours["AUS"] in plots.PARTNER_COLOURS and colours["JPN"] in plots.PARTNER_COLOURS
    assert colours["USA"] == plots.DOMESTIC_COLOUR and colours["BRA"] in plots.OTHER_COLOURS
    # bars are shares of need: the magnet's segments (China, Japan, unmet) fill 100%
    magnet = [p for p in fig.axes[1].patches if isinstance(p, Rectangle)]
    assert sum(p.get_width() for p in magnet) == pytest.approx(100)
    unmet = [p for p in magnet if p.get_hatch()]
    short = result.commodities.set_index("commodity").loc["magnet"]
    assert unmet and unmet[0].get_width() == pytest.approx(
        100 * short["shortfall"] / (short["supplied"] + short["shortfall"])
    )
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[0] == "China" and "unmet need" in legend
    assert text_problems(fig) == []
    one = result.plot.mix(stage="component")
    assert len(one.axes) == 1
    with pytest.raises(ValueError, match="stage 'mining'"):
        result.plot.mix(stage="mining")


def test_china_share_marks_the_cap(tiny):
    _, result = tiny
    fig = result.plot.china_share()
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    share = result.commodities.set_index("commodity").loc["oxide", "china_share"]
    assert bars[0].get_width() == pytest.approx(100 * share)
    cap_lines = [ln for ln in ax.lines if list(ln.get_xdata()) == [50.0, 50.0]]
    assert cap_lines, "the 50% cap is drawn"
    assert text_problems(fig) == []
    assert text_problems(result.plot.stages()) == []


def test_figure_files_are_byte_identical_and_dateless(tiny):
    _, result = tiny
    a = plots.figure_files(result.plot.mix(), "mix")
    b = plots.figure_files(result.plot.mix(), "mix")
    assert a == b
    assert a["mix.png"].startswith(b"\x89PNG") and b"Software" not in a["mix.png"]
    svg = a["mix.svg"].decode()
    assert svg.startswith("<?xml") and "<dc:date>" not in svg


@pytest.fixture(scope="module")
def runs(tiny, tmp_path_factory: pytest.TempPathFactory):
    """One small run of every kind, written with plots."""
    case, result = tiny
    out = tmp_path_factory.mktemp("runs")
    other = case.copy()
    other.name = "tiny-70"
    other.policy.max_china_share = 0.7
    made = {
        "solve": result,
        "sweep": sweep(case, {"max_china_share": "1:0:0.25", "capacity[country=JPN]": "1,2"}),
        "curve": curve(case, grid="1:0:0.25"),
        "stress": stress(case),
        "compare": compare([case, other]),
    }
    return {kind: (obj, obj.write(out, name=kind, plots=True)) for kind, obj in made.items()}


EXPECTED = {
    "solve": ["china_share", "mix", "stages"],
    "sweep": ["sweep"],
    "curve": ["curve"],
    "stress": ["criticality"],
    "compare": ["comparison"],
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_every_run_kind_writes_its_plots(runs, kind):
    obj, folder = runs[kind]
    names = sorted(p.stem for p in (folder / "plots").glob("*.png"))
    assert names == EXPECTED[kind]
    for name in names:
        image = matplotlib.image.imread(folder / "plots" / f"{name}.png")
        assert image.shape[0] > 200 and image.shape[1] > 400
        assert (folder / "plots" / f"{name}.svg").read_bytes().startswith(b"<?xml")
    # the accessor draws the same figures from the live object
    accessor = obj.plot
    for name in EXPECTED[kind]:
        fig = getattr(accessor, name)()
        assert isinstance(fig, Figure) and text_problems(fig) == []


def test_sweep_plot_puts_the_longest_grid_on_x(runs):
    s, _ = runs["sweep"]
    fig = s.plot.sweep()
    assert "capacity" not in fig.axes[-1].get_xlabel()
    assert fig.axes[-1].get_xlim()[0] > fig.axes[-1].get_xlim()[1]  # caps tighten rightwards
    legend = fig.axes[0].get_legend()  # beside the upper panel, under the titles
    assert legend.get_title().get_text() == "capacity[country=JPN]"
    assert [t.get_text() for t in legend.get_texts()] == ["x1", "x2"]


LONG_TITLE = "A title as long as a scenario's own: " + "what the rules cost, " * 2 + "and more"


def test_side_legends_stay_clear_of_long_titles(runs):
    """The legends of the sweep and curve plots sit below the figure's title, beside the
    upper panel: a figure legend at the title's height ran into any title this long."""
    s, _ = runs["sweep"]
    c, _ = runs["curve"]
    for fig in (
        plots.sweep(s.points, list(s.names), title=LONG_TITLE),
        plots.curve(c.curve, title=LONG_TITLE),
    ):
        assert text_problems(fig) == []
        FigureCanvasAgg(fig)
        fig.canvas.draw()
        legend = fig.axes[0].get_legend().get_window_extent()
        title = fig._suptitle.get_window_extent()
        assert legend.y1 < title.y0  # wholly below the title


def test_no_plots_option_and_deterministic_run_folders(tiny, tmp_path: Path):
    _, result = tiny
    bare = result.write(tmp_path, name="bare")  # a solve draws plots only when asked
    assert not (bare / "plots").exists()
    a = result.write(tmp_path, name="a", plots=True)
    b = result.write(tmp_path, name="b", plots=True)
    for f in sorted((a / "plots").iterdir()):
        assert f.read_bytes() == (b / "plots" / f.name).read_bytes(), f.name


def test_default_case_plots_read_well():
    """The default case, capped: every figure without overlapping or clipped text."""
    result = solve(load_case(Path(__file__).resolve().parents[1] / "inputs" / "base"), 0.5)
    for name in ("mix", "china_share", "stages"):
        fig = getattr(result.plot, name)()
        assert text_problems(fig) == [], name
    names = result.case.countries.set_index("country")["name"]
    ranking = pd.DataFrame(
        {
            "outage": ["CHN", "RUS", "group:partner"],
            "shortfall_share_increase": [0.75, 0.065, 0.0],
            "total_increase": [1.1e10, 1.1e9, 2e5],
            "commodities_short": [7, 1, 0],
            "worst_commodity": ["ndfeb_magnets", "antimony_mine", ""],
        }
    )
    fig = plots.criticality(ranking, result.case.countries)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [f"{names['CHN']} (CHN)", f"{names['RUS']} (RUS)", "group:partner"]
    assert text_problems(fig) == []

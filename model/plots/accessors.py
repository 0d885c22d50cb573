"""``result.plot.<name>()``: each result object's figures, drawn on demand."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from model.plots.sensitivity import comparison, criticality, curve, sweep
from model.plots.solve import china_share, mix, stages, timeline
from model.plots.years import buildout_years, mix_years, stock_years


# --- accessors: result.plot.<name>() -------------------------------------------------------------
class _Plots:
    names: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<plots: {', '.join(f'.{n}()' for n in self.names)}>"

    def __dir__(self) -> list[str]:
        return list(self.names)


class ResultPlots(_Plots):
    """``result.plot``: figures of one solve."""

    names = ("mix", "china_share", "stages")

    def __init__(self, result: Any) -> None:
        self._r = result
        if "year" in result.commodities.columns:  # a horizon solve: its timelines too
            self.names = (*self.names, "timeline", "mix_years", "buildout", "stock")

    def _title(self, what: str) -> str:
        return f"{what}: case {self._r.case.name}"

    def mix(self, stage: str | None = None) -> Figure:
        """Sourcing mix per commodity (one stage with ``stage=``), in % of need."""
        r = self._r
        return mix(
            r.mix,
            r.commodities,
            r.case.countries,
            stage=stage,
            title=self._title("Sourcing mix" + (f" ({stage})" if stage else "")),
        )

    def china_share(self, stage: str | None = None) -> Figure:
        """China's share of each commodity against its cap."""
        return china_share(
            self._r.commodities,
            stage=stage,
            title=self._title("China's share of supply against its cap"),
        )

    def stages(self) -> Figure:
        """Spend per stage by supplier kind ($M a year)."""
        r = self._r
        return stages(
            r.mix,
            r.commodities,
            r.case.countries,
            title=self._title("Spend by supply-chain stage and supplier"),
            currency=r.case.currency,
        )

    def timeline(self) -> Figure:
        """A horizon solve: China's share against the glide path, and supply cost, by year."""
        r = self._r
        if "year" not in r.commodities.columns:
            raise ValueError("a timeline needs a case with a [horizon]")
        return timeline(
            r.commodities,
            title=self._title("China's share against the glide path, and supply cost, by year"),
            currency=r.case.currency,
        )

    def _years(self) -> None:
        if "year" not in self._r.commodities.columns:
            raise ValueError("a timeline needs a case with a [horizon]")

    def mix_years(self) -> Figure:
        """A horizon solve: each year's need by supplier, for the commodities whose mix
        changes (at most 12, those that change most)."""
        r = self._r
        self._years()
        return mix_years(
            r.mix,
            r.commodities,
            r.case.countries,
            None if r.stock.empty else r.stock,
            title=self._title("Mix over the years, shares of supply, stock release and unmet"),
        )

    def buildout(self) -> Figure:
        """A horizon solve with buildout.csv: capacity built so far by each option, by year."""
        r = self._r
        self._years()
        if r.buildout is None:
            raise ValueError("this case has no build-out (buildout.csv)")
        return buildout_years(
            r.buildout, r.commodities, title=self._title("Capacity built so far, by year")
        )

    def stock(self) -> Figure:
        """A horizon solve with stockpile.csv: each stockpile's level, purchases and
        releases by year."""
        r = self._r
        self._years()
        if r.stock.empty:
            raise ValueError("this case has no stockpile (stockpile.csv)")
        return stock_years(r.stock, r.commodities, title=self._title("Stockpile by year"))


class SweepPlots(_Plots):
    names = ("sweep",)

    def __init__(self, result: Any) -> None:
        self._r = result

    def sweep(self) -> Figure:
        """Premium against both references and commodities short, against a parameter."""
        return sweep(self._r.points, list(self._r.names), currency=self._r.case.currency)


class CurvePlots(_Plots):
    names = ("curve",)

    def __init__(self, result: Any) -> None:
        self._r = result

    def curve(self, commodities: list[str] | None = None, top: int = 10) -> Figure:
        """Premium and shortfall against the cap, breakpoints marked."""
        return curve(
            self._r.curve, commodities=commodities, top=top, currency=self._r.case.currency
        )


class StressPlots(_Plots):
    names = ("criticality",)

    def __init__(self, result: Any) -> None:
        self._r = result

    def criticality(self, top: int = 15) -> Figure:
        """The ``top`` outages, ranked as in the ranking table."""
        return criticality(
            self._r.ranking, self._r.case.countries, top=top, currency=self._r.case.currency
        )


class ComparePlots(_Plots):
    names = ("comparison", "mix")

    def __init__(self, result: Any) -> None:
        self._r = result

    def comparison(self) -> Figure:
        """China share, unmet need and cost per commodity, one bar per case."""
        return comparison(self._r.by_commodity, currency=self._r.summary.get("currency", "USD"))

    def mix(self, case: str | int = 0, stage: str | None = None) -> Figure:
        """The sourcing mix of one compared case (by name or position)."""
        results = self._r.results
        if isinstance(case, str):
            found = [r for r in results if r.case.name == case]
            if not found:
                names = ", ".join(r.case.name for r in results)
                raise ValueError(f"no case '{case}' in this comparison ({names})")
            return found[0].plot.mix(stage=stage)
        return results[case].plot.mix(stage=stage)

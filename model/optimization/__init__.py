"""The optimisation layer: the LP, its kept HiGHS instance, and the tables of a solution.

`data` (`ModelData`: the LP's values, prepared once from a case, and what both ways
of building the LP read from it), `build` (the Pyomo model: one ``define_*`` per
constraint family), `lp` (the same LP as HiGHS arrays, assembled directly from
`ModelData`, equal entry for entry to Pyomo's compile of the model), `highs`
(`Solver`: the LP passed once to a kept highspy instance, values changed in place,
warm re-solves and probes), `ranging` (HiGHS cost and bound ranging), `results`
(`Result` and the tables made from a solution), `evaluate` (`Evaluator`: one point of
a sweep on a built model), `runner` (many points: serial, processes or Dask,
checkpoints) and `moves` (shortage that moved between commodities from one run to
another, in words).
"""

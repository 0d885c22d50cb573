"""The optimisation layer: the LP, its kept HiGHS instance, and the tables of a solution.

`build` (the Pyomo model: `ModelData` and one ``define_*`` per constraint family,
the share-rule families named once), `highs` (`Solver`: the model compiled once
into a kept highspy instance, values changed in place, warm re-solves and
probes), `ranging` (HiGHS cost and bound ranging), `results` (`Result` and the
tables made from a solution), `evaluate` (`Evaluator`: one point of a sweep on a
built model), `runner` (many points: serial, processes or Dask, checkpoints) and
`moves` (shortage that moved between commodities from one run to another, in words).
"""

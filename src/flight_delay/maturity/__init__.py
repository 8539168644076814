"""`make maturity`: Microsoft's MLOps maturity model as a checklist, checked on this repo.

The model (learn.microsoft.com/en-us/azure/architecture/ai-ml/guide/mlops-maturity-model)
has five levels, from 0 (no MLOps) to 4 (full MLOps automated operations). Each item is
one capability, placed at the level where the model first asks for it (`items.py`), with
- its status by design: `met`, `partly` or `not met` (an item whose `needs` files are
  missing counts as not met: work in progress elsewhere);
- the evidence here: files, make targets, workflows, tests;
- a check that runs now and says pass, fail or skip, with a reason (`checks.py`). Checks
  read files (`repo.py`): no pipeline, no server, no network. A not-met item never passes:
  its check looks for the missing piece, skips, and fails only if it finds it.

    python -m flight_delay.maturity            # a table per level, the gaps, a summary line
    python -m flight_delay.maturity --json     # the same as JSON
    python -m flight_delay.maturity --strict   # skips of met/partly items count as failures
    python -m flight_delay.maturity --root DIR # another checkout (the tests use copies)

Exit status 1 when a check of an item claimed met or partly fails. A fresh clone has no
MLflow store and no tags, so those parts skip. `--strict` is for a machine that should
have them: a skipped check of a met/partly item, or a not-met item whose check found
the missing piece, also exit 1.
"""

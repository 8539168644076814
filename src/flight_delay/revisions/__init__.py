"""Past versions of the pipeline, read back from git and DVC: a revision's recorded outputs
(metrics, slices, params, dvc.lock), the lineage of its model, its model file (fetched
or rebuilt, verified), and a baseline rescored on a candidate's rows.

Shared by the PR checks and the registry (import-linter keeps them apart otherwise).
"""

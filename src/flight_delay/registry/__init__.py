"""The registry and promotion: model versions and stages as git tags (GTO), the gate a
stage assignment must pass, the MLflow registry kept as their mirror (one version per
tag, one alias per stage), and the commands: `make register`, `assign`, `promote`,
`registry-check`, `lineage`, `release`.
"""

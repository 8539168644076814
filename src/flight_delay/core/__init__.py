"""The pure ML core: models, metrics, evaluation, importance and explanations, drift
statistics, splits, feature rules, label overrides, validation of tables, comparisons
and the gate's verdict. Frames and configs in, frames and dicts out; the dataset's
column names arrive as arguments. Free of mlflow, dvc, gto and fastapi (import-linter).
"""

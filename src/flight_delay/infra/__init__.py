"""Infrastructure: configuration, paths, file I/O, progress output, model files, MLflow
tracking, git, dvc.lock, GitHub Actions outputs, figures and local server processes.

The bottom layer: it imports nothing else of the package (import-linter checks it).
"""

"""`make lineage STAGE=prod`: read back from MLflow where the model in a stage came from.

Prints the registered version the alias points at, its lineage tags (git commit,
GTO tags, model, params and data hashes, training run) and the training run's
parameters, all as MLflow stores them.
"""

from __future__ import annotations

import argparse
import sys

from flight_delay.infra.config import load_config


def describe(client, name: str, stage: str) -> list[str]:
    from mlflow.exceptions import MlflowException

    try:
        version = client.get_model_version_by_alias(name, stage)
    except MlflowException:
        return []
    lines = [f"models:/{name}@{stage} = {name} version {version.version}"]
    lines += [f"  {key}: {value}" for key, value in sorted(version.tags.items())]
    run_id = version.tags.get("training_run_id") or version.run_id
    try:
        params = client.get_run(run_id).data.params if run_id else {}
    except MlflowException:
        params = {}
    lines += [f"  param {key}: {value}" for key, value in sorted(params.items())]
    return lines


def main(argv: list[str] | None = None) -> None:
    from flight_delay.registry.mlflow_registry import connect

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args(argv)
    config = load_config()
    lines = describe(connect(config.tracking), config.registry.artifact, args.stage or "prod")
    if not lines:
        sys.exit(f"lineage: MLflow has no alias {args.stage!r} for {config.registry.artifact}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

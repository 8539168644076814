"""A stage process pays for every module it imports: the stages import only what they use."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["pandera", "mlflow", "sklearn", "matplotlib", "skops"]
# Imported one after another in one process, lightest first: the heavy packages loaded
# after each import are those of that stage and the ones before it.
EXPECTED = [
    ("compose", []),
    ("ingest", []),
    ("prepare", []),
    ("featurize", []),
    ("train", ["sklearn"]),  # skops only when saving, MLflow not at all
    ("evaluate", ["matplotlib", "sklearn"]),  # skops and MLflow only when used
    ("validate", ["matplotlib", "sklearn"]),  # pandera only when it builds the schemas
]


def test_stage_modules_import_no_heavy_package_they_do_not_use():
    probe = (
        "import importlib, json, sys\n"
        "found = []\n"
        f"for stage in {[stage for stage, _ in EXPECTED]!r}:\n"
        "    importlib.import_module(f'flight_delay.stages.{stage}')\n"
        f"    found.append(sorted({{n.split('.')[0] for n in sys.modules}} & set({HEAVY!r})))\n"
        "print(json.dumps(found))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [heavy for _, heavy in EXPECTED]

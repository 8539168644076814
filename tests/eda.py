"""Running the EDA notebook on a dataset's data in a scratch folder, as `make eda` runs it
after `make repro`: the tests of each dataset's notebook (tests/data/<home>/) use these."""

from __future__ import annotations

import re
import shutil

from flight_delay.core.splits import SPLITS
from flight_delay.curation import notebooks
from flight_delay.infra.params import compose_params
from tests.conftest import REPO_ROOT


def workspace(root, spec: str, prepared: dict, features: dict) -> None:
    """What the notebook reads, as `make repro` of `spec` leaves it (but the plots)."""
    for folder, frames in (("prepared", prepared), ("features", features)):
        (root / "data" / folder).mkdir(parents=True)
        for split in SPLITS:
            frames[split].to_parquet(root / "data" / folder / f"{split}.parquet")
    (root / "params.yaml").write_text(compose_params(REPO_ROOT / "conf", (f"dataset={spec}",)))
    for name in ["dvc.yaml", str(notebooks.EDA_NOTEBOOK)]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, root / name)


def ablation_aucs(nb) -> dict[str, float]:
    """The ablation table the notebook displays (set and ROC AUC per row)."""
    cell = next(c for c in nb.cells if c.get("id") == "ablation-run")
    shown = next(o for o in cell.outputs if o.output_type == "execute_result")
    rows = re.findall(r"^\d+\s+(\S+)\s+([\d.]+)$", shown.data["text/plain"], re.MULTILINE)
    return {name: float(auc) for name, auc in rows}

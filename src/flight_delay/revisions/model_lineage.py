"""What a model version was made from, as the dvc.lock of its commit records it: the
model's md5, the train stage's params and the data files it read."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flight_delay.infra.dvc_lock import recorded_md5s, stage_params
from flight_delay.infra.paths import MODEL_FILE
from flight_delay.revisions.recorded_outputs import RevisionError


@dataclass(frozen=True)
class Lineage:
    """What a model version was made from, as that commit's dvc.lock records it."""

    commit: str
    model_md5: str
    params_md5: str  # md5 of the train stage's params (canonical JSON)
    data_md5: str  # md5 of the training data file (or of the list of them)
    data_files: dict[str, str]  # path -> md5 of every data file `train` reads

    def as_tags(self) -> dict[str, str]:
        return {
            "git_commit": self.commit,
            "model_md5": self.model_md5,
            "params_md5": self.params_md5,
            "data_md5": self.data_md5,
            **{f"dvc_md5:{path}": md5 for path, md5 in self.data_files.items()},
        }


def _md5_text(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def lineage_from_lock(lock: dict, commit: str) -> Lineage:
    model = recorded_md5s(lock, "train").get(MODEL_FILE.as_posix())
    if not model:
        raise RevisionError(f"dvc.lock at {commit[:12]} records no {MODEL_FILE} (stage train)")
    params = stage_params(lock, "train")
    deps = recorded_md5s(lock, "train", "deps")
    data = {path: md5 for path, md5 in deps.items() if path.startswith("data/")}
    listing = "\n".join(f"{path} {md5}" for path, md5 in sorted(data.items()))
    return Lineage(
        commit=commit,
        model_md5=model,
        params_md5=_md5_text(json.dumps(params, sort_keys=True)),
        data_md5=next(iter(data.values())) if len(data) == 1 else _md5_text(listing),
        data_files=dict(sorted(data.items())),
    )

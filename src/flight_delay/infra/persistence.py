"""Save and load the model pipeline with skops: no pickle, an explicit allow-list of types.

skops names the arrays in its zip after `id()` of each object and stamps the
zip entries with the current time; `canonical_skops` renumbers and re-stamps
them so that the same model always gives the same bytes (and DVC hash).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from sklearn.pipeline import Pipeline

from flight_delay.infra.io import write_with

# Types that skops does not trust by default but these pipelines need. Anything
# else in a model file makes loading fail (skops UntrustedTypesFoundException).
TRUSTED_TYPES = [
    "collections.OrderedDict",
    "functools.partial",
    "lightgbm.basic.Booster",  # its state is the model's text format, not a pickle
    "lightgbm.sklearn.LGBMClassifier",
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
    "sklearn.utils.validation.check_array",
]
_ID_REFERENCE = re.compile(r'("__id__": |"file": ")(\d+)')
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def canonical_skops(raw: bytes) -> bytes:
    """Renumber object ids in order of appearance and fix the zip timestamps."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    schema = source.read("schema.json").decode("utf-8")
    numbering: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        new_id = numbering.setdefault(match.group(2), str(len(numbering)))
        return match.group(1) + new_id

    schema = _ID_REFERENCE.sub(renumber, schema)
    entries = {"schema.json": schema.encode("utf-8")}
    for name in source.namelist():
        if name != "schema.json":
            entries[f"{numbering[name.removesuffix('.npy')]}.npy"] = source.read(name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, entries[name])
    return out.getvalue()


def save_model(model: Pipeline, path: Path) -> None:
    import skops.io as sio

    payload = canonical_skops(sio.dumps(model))
    write_with(path, lambda tmp: tmp.write_bytes(payload))


def load_model(path: Path) -> Pipeline:
    import skops.io as sio

    return sio.load(path, trusted=TRUSTED_TYPES)

"""The drift report as one self-contained HTML page (images inline, nothing loaded
from the network)."""

from __future__ import annotations

import base64
import html
import io

import pandas as pd
from matplotlib.figure import Figure

from flight_delay.operate.monitoring import verdict_line

TOP_FEATURES = 6  # distributions drawn for the features with the largest PSI


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    return f'<img src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def psi_chart(report: dict) -> str:
    features = sorted(report["features"].items(), key=lambda item: item[1]["psi"])
    figure = Figure(figsize=(6, 0.3 * len(features) + 1))
    axes = figure.add_subplot()
    colours = ["tab:red" if f["drifted"] else "tab:blue" for _, f in features]
    axes.barh([name for name, _ in features], [f["psi"] for _, f in features], color=colours)
    axes.axvline(report["thresholds"]["psi_threshold"], color="grey", linestyle="--")
    axes.set(title="PSI per feature (red: drifted)", xlabel="PSI")
    return _png(figure)


def distribution(name: str, reference: pd.Series, current: pd.Series, numeric: bool) -> str:
    figure = Figure(figsize=(4, 3))
    axes = figure.add_subplot()
    if numeric:
        both = pd.concat([reference, current]).dropna()
        edges = sorted(set(both.quantile([i / 20 for i in range(21)]).tolist()))
        for values, label in ((reference, "reference"), (current, "current")):
            axes.hist(values.dropna(), bins=edges if len(edges) > 1 else 10, density=True,
                      histtype="step", label=label)  # fmt: skip
    else:
        shares = pd.DataFrame(
            {
                "reference": reference.value_counts(normalize=True),
                "current": current.value_counts(normalize=True),
            }
        ).fillna(0)
        top = shares.max(axis=1).sort_values(ascending=False).index[:12]
        shares.loc[sorted(top)].plot.bar(ax=axes)  # fmt: skip
    axes.set(title=name)
    axes.legend()
    return _png(figure)


def drift_html(report: dict, reference: pd.DataFrame, current: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{f['kind']}</td><td>{f['psi']:.4f}</td>"
        f"<td>{f['test']}</td><td>{f['statistic']:.4f}</td><td>{f['p_value']:.3g}</td>"
        f"<td>{'yes' if f['drifted'] else ''}</td></tr>"
        for name, f in sorted(report["features"].items(), key=lambda i: -i[1]["psi"])
    )
    top = sorted(report["features"], key=lambda n: -report["features"][n]["psi"])[:TOP_FEATURES]
    plots = [psi_chart(report), distribution("predicted probability", reference["probability"],
                                              current["probability"], True)]  # fmt: skip
    plots += [distribution(n, reference[n], current[n], report["features"][n]["kind"] == "numeric")
              for n in top]  # fmt: skip
    perf = report["performance"]
    perf_line = (
        f"{perf['metric']}: current {perf['current']}, reference {perf['reference']}"
        if perf else "no labels in the current window"
    )  # fmt: skip
    if perf and perf.get("interval"):
        low, high = perf["interval"]
        perf_line += (f" ({perf['confidence']:.0%} interval of the change [{low:+.4f}, "
                      f"{high:+.4f}] on {perf['labelled_rows']:,} labelled rows)")  # fmt: skip
    verdict = verdict_line(report)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Drift report</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 8px;text-align:left}}</style>
</head><body><h1>Drift report</h1>
<p><b>{html.escape(verdict)}</b></p>
<p>Rows: reference {report["rows"]["reference"]:,}, current {report["rows"]["current"]:,}.
Drifted features: {report["drift_share"]:.0%}. Prediction PSI {report["predictions"]["psi"]:.4f}.
{html.escape(perf_line)}.</p>
{"".join(plots)}
<table><tr><th>feature</th><th>kind</th><th>PSI</th><th>test</th><th>statistic</th>
<th>p-value</th><th>drifted</th></tr>{rows}</table></body></html>
"""

"""The generated part of docs/benchmarks.md, from the figures of one `make bench` run."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def mark(met: bool) -> str:
    return "met" if met else "**missed**"


def med(s: dict[str, float], unit: str = "", digits: int = 2) -> str:
    return (
        f"{s['median']:.{digits}f}{unit} (min {s['min']:.{digits}f}, "
        f"max {s['max']:.{digits}f}, {s['runs']} runs)"
    )


def profiled(p2: dict[str, Any]) -> str:
    """Where a no-op `dvc repro` spends its time that `dvc --version` does not (cProfile)."""
    noop, version = p2.get("profile", {}).get("noop"), p2.get("profile", {}).get("version")
    if not noop or not version:
        return ""
    named = [w for w in ("stage graph", "checking stages", "parsing YAML") if w in noop]
    parts = ", ".join(f"{what} {noop[what]:.2f} s" for what in named)
    return (
        f"; profiled, a no-op {noop['total']:.2f} s (imports {noop.get('imports', 0):.2f} s, "
        f"DVC's `reproduce` {noop.get('reproduce', 0):.2f} s: {parts}) against `dvc "
        f"--version` {version['total']:.2f} s (imports {version.get('imports', 0):.2f} s)"
    )


def summary_rows(r: dict[str, Any]) -> list[str]:
    p1, p2, p3, p6 = r["P1"], r["P2"], r["P3"], r["P6"]  # render wants a complete run
    rows = [
        f"| P1 orchestration: `dvc repro -f` / one process | {med(p1['ratio'])}; "
        f"dvc {p1['dvc_repro_s']['median']:.1f} s, one process per stage without DVC "
        f"{p1['processes_no_dvc_s']['median']:.1f} s, one process "
        f"{p1['in_process_s']['median']:.1f} s | ≤ {p1['target']} | {mark(p1['met'])} |",
        f"| P2 no-op: `dvc repro` / `dvc --version` | {med(p2['ratio'])}; no-op "
        f"{p2['noop_s']['median']:.2f} s{profiled(p2)} | ≤ {p2['target_ratio']:g} and < "
        f"{p2['target_s']:g} s | {mark(p2['met'])} |",
        f"| P3 one model parameter changed | ran {', '.join(p3['stages_ran'])}; "
        f"{med(p3['seconds'], ' s', 1)} = {p3['ratio_to_full']:.2f} of a full run "
        f"| exactly train, evaluate | {mark(p3['met'])} |",
    ]
    if "E1" in p3:
        e1 = p3["E1"]
        parts = "; ".join(f"{name} {v:.1f} s" for name, v in e1["parts_s"].items())
        floor = e1.get("floor")
        below = (f"; floor with two stage processes under DVC {floor['ratio']:.2f} (a no-op "
                 f"`dvc repro`, both stages' imports {floor['imports_s']:.1f} s, the fit)"
                 if floor else "")  # fmt: skip
        extra = sum(v for name, v in e1["parts_s"].items()
                    if name.startswith("evaluate:"))  # fmt: skip
        below += (
            f"; the explanations and tracking alone {extra / e1['fit_s']['median']:.2f}× the fit"
        )
        rows.append(
            f"| E1 experiment loop: P3's `dvc repro` / the fit alone | {med(e1['ratio'])}; "
            f"fit {e1['fit_s']['median']:.1f} s; {parts}{below} | ≤ {e1['target']:g} "
            f"| {mark(e1['met'])} |"
        )
    if "P4" in r and r["P4"]["slope_total"] is not None:
        p4 = r["P4"]
        rows.append(
            f"| P4 scale {', '.join(p4['runs'])}: log-log slope of the total; peak RSS at the "
            f"largest | slope {p4['slope_total']:.2f}; {p4['peak_rss_gb_largest']:.2f} GB "
            f"| ≤ {p4['target_slope']} and ≤ {p4['target_rss_gb']:g} GB | {mark(p4['met'])} |"
        )
    if "P5" in r:  # the targets (1 row) first, then the health figure of the large requests
        scenarios = r["P5"]["scenarios"]
        for key, s in sorted(scenarios.items(), key=lambda kv: not kv[0].startswith("1_row")):
            if key.startswith("1_row"):
                status = r["P5"]["target"][key]["status"]
                rows.append(
                    f"| P5 serving, {key.replace('_', ' ')}: ours / `mlflow models serve` | "
                    f"{s['throughput_ratio']:.1f}× the req/s, 1/{s['p99_ratio']:.1f} of the p99 | "
                    f"≥ 5× at ≤ 1/3 | {mark(status == 'PASS')} |"
                )
            elif "ours_health_p99_ms" in s:
                rows.append(
                    f"| P5 serving, {key.replace('_', ' ')}: health while scoring, ours "
                    f"`/health` / mlflow `/ping` | p99 {s['ours_health_p99_ms']:.1f} / "
                    f"{s['mlflow_health_p99_ms']:.1f} ms, max {s['ours_health_max_ms']:.1f} / "
                    f"{s['mlflow_health_max_ms']:.1f} ms; {s['throughput_ratio']:.1f}× the req/s "
                    "| (figure) | |"
                )
    rows.append(
        f"| P6 tracking: MLflow logging in a pipeline run / train's fit | {med(p6['ratio'])}; "
        f"logging {p6['logging_s']['median']:.1f} s ({'; '.join(p6['logging_steps'])}), "
        f"fit {p6['train_fit_s']['median']:.1f} s | (figure) | |"
    )
    if "P7" in r:
        p7 = r["P7"]
        rows.append(
            f"| P7 install: `uv sync --locked` | cold cache {p7['cold_s']:.0f} s "
            f"({p7['download_cache_mb']:,} MB fetched), warm cache {p7['warm_s']:.0f} s; "
            f"{p7['installed_mb']:,} MB installed | (figure) | |"
        )
    if "P8" in r:
        p8, met = r["P8"], r["P8"]["met"]
        t = p8["targets"]
        largest = list(p8["runs"])[-1]
        rows += [
            f"| P8 dask engine at {', '.join(p8['runs'])}: largest peak RSS of any process "
            f"(stage and scheduler, workers) | {p8['largest_process_gb']:.2f} GB at "
            f"{largest}; slope of peak RSS against scale {p8['rss_slope']} | ≤ {t['rss_gb']:g} GB "
            f"| {mark(met['rss'])} |",
            f"| P8 time against scale, {' to '.join(p8['time_slope_scales'])}: log-log slope of "
            f"the total | {p8['time_slope_total']} | ≤ {t['time_slope']} "
            f"| {mark(met['time_slope'])} |",
            f"| P8 at 1x: dask engine / embedded (`local`, hist_gradient_boosting) | "
            f"{p8['ratio_to_embedded_x1']}× | ≤ {t['ratio_1x']:g}× | {mark(met['ratio_1x'])} |",
        ]
    return rows


def scale_engine_table(r: dict[str, Any]) -> list[str]:
    """P8 per stage: seconds and the largest process's peak RSS at each scale."""
    p8 = r["P8"]
    runs, embedded = p8["runs"], p8["embedded_x1"]
    head = "| stage | embedded x1 s |" + "".join(f" {k} s | {k} MB |" for k in runs)
    head += " slope | x1 / embedded |"
    lines = [head, "|---" + "|---:" * (3 + 2 * len(runs)) + "|"]
    measured = next(iter(runs.values()))["stages"]
    order = [n for n in r.get("stage_order", []) if n in measured] or list(measured)
    for name in order:
        cells = [f"{embedded['stages'][name]['seconds']:.1f}"]
        for run in runs.values():
            stage = run["stages"][name]
            cells += [f"{stage['seconds']:.1f}", f"{stage['largest_process_mb']:,.0f}"]
        cells += [str(p8["time_slope_by_stage"][name]),
                  str(p8["ratio_to_embedded_x1_by_stage"][name])]  # fmt: skip
        lines.append(f"| {name} | {' | '.join(cells)} |")
    totals = " | ".join(f"{run['total_s']:.1f} | {run['largest_process_mb']:,.0f}"
                        for run in runs.values())  # fmt: skip
    lines.append(f"| **all** | {embedded['total_s']:.1f} | {totals} | "
                 f"{p8['time_slope_total']} | {p8['ratio_to_embedded_x1']} |")  # fmt: skip
    rows = " / ".join(f"{run['flights_rows']:,}" for run in runs.values())
    aucs = ", ".join(f"{k} {run['test_roc_auc']:.4f}" for k, run in runs.items())
    same = embedded.get("same_rows", {})
    lines += [
        "",
        f"Flights rows {rows}. Test ROC AUC: lightgbm on the dask engine {aucs}; the "
        f"embedded default (hist_gradient_boosting) at x1 {embedded['test_roc_auc']:.4f}. "
        f"Prepared rows and features of the two paths at x1 "
        f"{'the same' if same and all(same.values()) else 'DIFFERENT: ' + str(same)} (in any "
        f"order). Peak RSS of each process at {list(runs)[-1]}, MB: "
        + "; ".join(
            f"{name}: {processes(list(runs.values())[-1]['stages'][name])}" for name in order
        )  # fmt: skip
        + ".",
    ]
    return lines


def processes(stage: dict[str, Any]) -> str:
    return ", ".join(f"{role} {', '.join(f'{mb:,.0f}' for mb in mbs)}"
                     for role, mbs in stage["peak_rss_mb"].items())  # fmt: skip


def stage_table(r: dict[str, Any]) -> list[str]:
    p1 = r["P1"]
    scales = r.get("P4", {}).get("runs", {})
    head = "| stage | one process (s) | in one process (s) | import alone (s) |"
    head += "".join(f" {k} s | {k} peak RSS MB |" for k in scales)
    lines = [head, "|---" + "|---:" * (3 + 2 * len(scales)) + "|"]
    for name in r["stage_order"]:
        s = p1["stage_s_one_process_each"][name]
        cells = [f"{s['median']:.2f}", f"{p1['stage_s_in_process'][name]['median']:.2f}",
                 f"{p1['import_s'][name]['median']:.2f}"]  # fmt: skip
        for run in scales.values():
            st = run["stages"][name]
            cells += [f"{st['seconds']:.2f}", f"{st['peak_rss_mb']:,.0f}"]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += [
        "",
        f"A Python process that imports nothing: {p1['import_s']['python']['median']:.2f} s.",
    ]
    if scales and r["P4"]["slope_total"] is not None:
        rows = " / ".join(f"{run['flights_rows']:,}" for run in scales.values())
        by_stage = r["P4"]["slope_by_stage"]
        slopes = ", ".join(f"{name} {by_stage[name]:.2f}" for name in r["stage_order"])
        lines += ["", f"Flights rows {rows}. Log-log slope by stage: {slopes}."]
    return lines


def times(seconds: float, floor: float) -> str:
    return f"{seconds / floor:,.0f}" if floor else "—"


def floor_table(r: dict[str, Any]) -> list[str]:
    rates = r["floor"]["rates"]
    largest = list(r.get("P4", {}).get("runs", {}).items())[-1:]
    lines = [
        f"Page-cache read {rates['read_mb_s']:,.0f} MB/s, md5 {rates['md5_mb_s']:,.0f} MB/s "
        "(one core), both measured in this run.",
        "",
        "| stage | read MB | written MB | floor s | stage s | × floor |"
        + "".join(f" {k} × floor |" for k, _ in largest),
        "|---|---:|---:|---:|---:|---:|" + "---:|" * len(largest),
    ]
    for name in r["stage_order"]:
        f, extra = r["floor"]["stages"][name], ""
        for _, run in largest:
            extra += f" {times(run['stages'][name]['seconds'], run['floor'][name]['floor_s'])} |"
        lines.append(
            f"| {name} | {f['read_mb']:,.2f} | {f['written_mb']:,.2f} | "
            f"{f['floor_s']:.4f} | {f['seconds']:.2f} | "
            f"{times(f['seconds'], f['floor_s'])} |{extra}"
        )
    return lines


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        f"Measured {m['date']} at commit {m['commit']} on {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_gb']:.0f} GB, Python {m['python']}; threads pinned to {m['threads']}; "
        f"`make bench` took {r['bench_minutes']} min.",
        "",
        "| figure | measured | target | |",
        "|---|---|---|---|",
        *summary_rows(r),
        "",
        "Seconds per stage (median; the pipeline at 1x is the real data as CSV, the scale "
        "runs read the generated parquet):",
        "",
        *stage_table(r),
        "",
        *floor_table(r),
    ]
    if "P8" in r:
        lines += ["", f"P8 (measured at commit {r['P8'].get('commit', '?')}), the dask engine "
                  "(a local cluster of 2 worker processes, 4 GB memory "
                  "limit each; `model: lightgbm`), seconds and the largest process's peak RSS "
                  "per stage:", "", *scale_engine_table(r)]  # fmt: skip
    return "\n".join(lines)


def write_doc(results: dict[str, Any], doc: Path, begin: str, end: str) -> None:
    """Replace the text between the markers; the hand-written rest stays."""
    text = doc.read_text() if doc.exists() else f"# Benchmarks\n\n{begin}\n{end}\n"
    if begin not in text or end not in text:
        raise ValueError(f"{doc}: the markers {begin} and {end} are missing")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(f"{head}{begin}\n{render(results)}\n{end}{tail}")

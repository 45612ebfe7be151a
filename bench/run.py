"""``python -m bench``: run the sections, print the machine, the command and the table.

The command line only chooses sizes and sections; the measuring is in the section modules.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import Row, format_table, machine

__all__ = ["SECTIONS", "Sizes", "main", "run"]

SECTIONS = (
    "publish",
    "memory",
    "verdicts",
    "export",
    "page",
    "dashboard",
    "browser",
    "explainers",
    "estimate",
)


@dataclass
class Sizes:
    """How much each section does; ``Sizes.quick()`` is a smoke run of a few seconds each."""

    quick: bool = False
    repeats: int = 5
    publish_rows: list[int] = field(default_factory=lambda: [1_000, 10_000])
    memory_rows: int = 10_000
    memory_models: list[str] = field(default_factory=lambda: ["rf", "gb"])
    single_writer: int = 500
    threads: int = 16
    per_thread: int = 25
    export_rows: int = 100_000
    page_rows: list[int] = field(default_factory=lambda: [10_000, 100_000])
    pages_rows: int = 100_000
    dashboard_rows: int = 1_000
    explainer_rows: int = 2_000

    @classmethod
    def smoke(cls) -> Sizes:
        return cls(
            quick=True,
            repeats=1,
            publish_rows=[300],
            memory_rows=300,
            memory_models=["rf"],
            single_writer=20,
            per_thread=2,
            export_rows=2_000,
            page_rows=[300],
            pages_rows=300,
            dashboard_rows=200,
            explainer_rows=300,
        )


def run(sizes: Sizes, sections: list[str], workdir: Path, dashboard: str | None) -> list[Row]:
    """Every chosen section's rows, in table order."""
    from bench import browser, page, publish, verdicts
    from bench import dashboard as dashboard_section

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    rows: list[Row] = []
    if "publish" in sections:
        log("a: publish vs bare shap")
        rows += publish.bench_publish(
            sizes.publish_rows, sizes.repeats, sizes.quick, workdir, log=log
        )
    if "verdicts" in sections:
        log("b: verdict writes")
        rows += verdicts.bench_single_writer(sizes.single_writer, sizes.repeats, workdir, log=log)
        rows += verdicts.bench_concurrent_writes(sizes.threads, sizes.per_thread, workdir, log=log)
    if "export" in sections:
        log("c: export")
        rows += verdicts.bench_export(sizes.export_rows, sizes.repeats, workdir, log=log)
    if "page" in sections:
        log("d: pages")
        demo = []
        for n in sizes.page_rows:
            demo += page.bench_page(n, max(sizes.repeats, 3), workdir, log=log)
        rows += demo + page.scale_row(demo)
        rows += page.bench_pages(
            sizes.pages_rows, max(sizes.repeats, 3), workdir, sizes.quick, log=log
        )
    if "memory" in sections:
        log("e: memory")
        rows += publish.bench_memory(sizes.memory_models, sizes.memory_rows, sizes.quick, log=log)
    if "dashboard" in sections:
        log("f: explainerdashboard")
        rows += dashboard_section.bench_dashboard(
            sizes.dashboard_rows, sizes.quick, dashboard, log=log
        )
    if "browser" in sections:
        log("g: every page in a real browser, each on a fresh server")
        repeats = sizes.repeats if sizes.quick else max(sizes.repeats, 3)
        rows += browser.bench_browser(sizes.pages_rows, repeats, workdir, sizes.quick, log=log)
    if "explainers" in sections:
        from bench import explainers

        log("h: XGBoost, LightGBM and CatBoost explained, against shap")
        rows += explainers.bench_explainers(
            sizes.explainer_rows, sizes.repeats, sizes.quick, log=log
        )
        log(
            "h: scikit-learn's histogram boosting on a category column, classic multiclass "
            "boosting, a forest behind feature selection"
        )
        rows += explainers.bench_hist_gradient(
            sizes.explainer_rows, sizes.repeats, sizes.quick, log=log
        )
        from bench import ensembles

        log("h: a soft vote of two forests, against shap on each member")
        rows += ensembles.bench_ensembles(sizes.explainer_rows, sizes.repeats, sizes.quick, log=log)
        log("h: XGBoost's random forest and dart, against shap's path-dependent values")
        rows += ensembles.bench_xgboost_kinds(
            sizes.explainer_rows, sizes.repeats, sizes.quick, log=log
        )
        log("h: a random forest grown to full depth, against shap's path-dependent values")
        rows += ensembles.bench_deep_forest(
            sizes.explainer_rows, sizes.repeats, sizes.quick, log=log
        )
    if "estimate" in sections:
        from bench import estimate

        log("i: sampled Shapley estimates of 30-feature models, against shap's Permutation")
        deck, calibration = (6, 3) if sizes.quick else (5_000, 20)
        rows += estimate.bench_estimate(deck, calibration, sizes.quick, log=log)
        log("i: free text explained word by word")
        deck, calibration = (4, 2) if sizes.quick else (1_000, 20)
        rows += estimate.bench_text(deck, calibration, sizes.quick, log=log)
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time Sprint Review against baselines measured in the same run.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, from {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--repeats", type=int, help="timed repeats per figure (median)")
    parser.add_argument(
        "--page-rows", help="comma-separated row counts for the page (default: 10000,100000)"
    )
    parser.add_argument(
        "--pages-rows",
        type=int,
        help="demo rows for every page's first open and rerun, with AppTest (page) and in "
        "Chromium (browser) (default: 100000)",
    )
    parser.add_argument(
        "--dashboard-python",
        help="a Python with explainerdashboard installed (default: $BENCH_DASHBOARD_PYTHON)",
    )
    parser.add_argument("--json", type=Path, help="also write the rows and machine as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, print; returns the exit code."""
    args = _parser().parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        print(f"unknown section(s) {', '.join(unknown)}: use {', '.join(SECTIONS)}")
        return 2
    sizes = Sizes.smoke() if args.quick else Sizes()
    if args.repeats:
        sizes.repeats = args.repeats
    if args.page_rows:
        sizes.page_rows = [int(n) for n in args.page_rows.split(",")]
    if args.pages_rows:
        sizes.pages_rows = args.pages_rows
    command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    before = machine()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sprint-review-bench-") as folder:
        rows = run(sizes, sections, Path(folder), args.dashboard_python)
    elapsed = time.perf_counter() - start
    after = machine()
    print(f"Command: {command.strip()}")
    for key, value in before.items():
        print(f"{key}: {value}")
    print(f"load average at the end: {after['load average (1, 5, 15 min)']}")
    print(f"total time: {elapsed:.0f} s; figures are medians of {sizes.repeats} repeat(s)")
    print()
    print(format_table(rows))
    if args.json:
        payload = {
            "command": command.strip(),
            "machine": before,
            "load_at_end": after["load average (1, 5, 15 min)"],
            "seconds": elapsed,
            "rows": [row.as_dict() for row in rows],
        }
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    return 0

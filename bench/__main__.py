"""`python -m bench`: every benchmark scenario against its floor, in the same run, on demo
registries of several scales and on SQLite and PostgreSQL; prints a table, writes
bench/results/latest.json and draws latency against data size (bench/results/latency.svg).

    .venv/bin/python -m bench                          # scales 1 10 30, SQLite (and PostgreSQL
                                                        # with --pg-url), 5 runs per figure
    .venv/bin/python -m bench --scales 1 --runs 3 --databases sqlite     # a quick look
    .venv/bin/python -m bench --pg-url postgresql+psycopg://u:p@127.0.0.1:5432/postgres

Loaded registries are kept in --cache (default /tmp/registry-bench) and reused; --fresh loads
them again. Not a test: the suite never runs it. Record what it prints in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scenarios  # noqa: E402
from bench.databases import registry  # noqa: E402
from bench.throughput import throughput  # noqa: E402

RESULTS = ROOT / "bench" / "results"
#: Scenario name -> (function of a Context, unit of "ours" and "floor").
PAGE_SCENARIOS = {
    "tracker": scenarios.tracker,
    "dashboard": scenarios.dashboard,
    "public pledge page": scenarios.public_pages,
    "api": scenarios.api,
}


def run_registry(reg, args) -> list[dict]:
    """Every scenario on one loaded registry."""
    context = scenarios.make_context(reg, args.runs)
    found = []

    only = getattr(args, "only", None)

    def wanted(name: str) -> bool:
        return not only or any(name.startswith(o) for o in only)

    def add(name: str, result: dict, unit: str = "ms") -> None:
        ours, floor = result.get("ours"), result.get("floor")
        ratio = round(ours / floor, 2) if ours is not None and floor else None
        row = {"database": reg.kind, "scale": reg.scale, "scenario": name, "unit": unit}
        row |= {k: (round(v, 2) if isinstance(v, float) else v) for k, v in result.items()}
        row["ratio"] = ratio
        found.append(row)
        print(_line(row), flush=True)

    for name, scenario in PAGE_SCENARIOS.items():
        if wanted(name):
            add(name, scenario(context))
    for kind in ("organisations", "commitments"):
        for count in args.import_rows:
            if wanted(f"import {count} {kind}"):
                add(f"import {count} {kind}", scenarios.import_rows(context, kind, count))
    if not args.no_report and wanted("report"):
        add("report (signatory)", scenarios.report(context))
    if not args.no_throughput and wanted("throughput"):
        result = throughput(reg, seconds=args.seconds)
        add("throughput with a writer", result, unit="requests/s")
    return found


def _line(row: dict) -> str:
    ours = "—" if row.get("ours") is None else f"{row['ours']:.1f}"
    floor = "—" if row.get("floor") is None else f"{row['floor']:.1f}"
    ratio = "—" if row.get("ratio") is None else f"{row['ratio']:.2f}x"
    extra = {
        k: v
        for k, v in row.items()
        if k not in ("database", "scale", "scenario", "unit", "ours", "floor", "ratio")
    }
    return (
        f"{row['database']:<10} {row['scale']:>4} {row['scenario']:<30} "
        f"{ours:>10} {floor:>10} {row['unit']:<10} {ratio:>7}  {extra or ''}"
    )


def _svg(rows: list[dict], path: Path) -> None:
    """Latency (ms) against data size (demo scale), one line per scenario and database."""
    import pygal

    chart = pygal.XY(
        title="Latency against data size (medians)",
        x_title="demo scale (× all GRF pledges)",
        y_title="ms",
        logarithmic=True,
        legend_at_bottom=True,
        dots_size=3,
        width=900,
        height=560,
        disable_xml_declaration=False,
    )
    series: dict[str, list] = {}
    for row in rows:
        if row["unit"] != "ms" or row.get("ours") is None or row["scenario"].startswith("import"):
            continue
        series.setdefault(f"{row['scenario']} ({row['database']})", []).append(
            (row["scale"], row["ours"])
        )
    for name, points in sorted(series.items()):
        chart.add(name, sorted(points))
    path.write_bytes(chart.render())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--databases", nargs="+", default=None, help="sqlite and/or postgresql")
    parser.add_argument("--pg-url", help="a PostgreSQL URL whose role may create databases")
    parser.add_argument("--runs", type=int, default=5, help="timings per figure (median)")
    parser.add_argument("--import-rows", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seconds", type=float, default=8, help="per throughput measurement")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/registry-bench"))
    parser.add_argument("--fresh", action="store_true", help="load the registries again")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--only", nargs="+", help="only the scenarios whose names start so")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()
    databases = args.databases or (["sqlite", "postgresql"] if args.pg_url else ["sqlite"])
    if "postgresql" in databases and not args.pg_url:
        parser.error("--pg-url is needed for postgresql")
    started = time.perf_counter()
    rows, loads = [], []
    print(f"{'database':<10} {'scale':>4} {'scenario':<30} {'ours':>10} {'floor':>10} unit")
    for kind in databases:
        for scale in args.scales:
            reg = registry(kind, scale, args.cache, args.pg_url, args.fresh)
            loads.append({"database": kind, "scale": scale, "load_seconds": reg.load_seconds})
            # Each registry in a process of its own: one app per process, as in production.
            rows += _in_child(reg, args)
    for row in rows:
        if row["scenario"] == "dashboard" and row["scale"] != min(args.scales):
            if not any(
                r["scenario"] == "dashboard" and r["scale"] == min(args.scales) for r in rows
            ):
                continue
            first = next(
                r
                for r in rows
                if r["scenario"] == "dashboard"
                and r["database"] == row["database"]
                and r["scale"] == min(args.scales)
            )
            row["against_smallest_scale"] = round(row["ours"] / first["ours"], 2)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.processor() or '?'}, Python "
        f"{platform.python_version()}",
        "arguments": {k: str(v) for k, v in vars(args).items() if k != "pg_url"},
        "loads": loads,
        "results": rows,
        "seconds": round(time.perf_counter() - started),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    _svg(rows, args.out.with_name("latency.svg"))
    print(f"\nWrote {args.out} and {args.out.with_name('latency.svg')} in {result['seconds']} s.")


def _in_child(reg, args) -> list[dict]:
    """Run one registry's scenarios in a fresh Python process (its rows come back as JSON)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, "-m", "bench.child", reg.kind, str(reg.scale), str(reg.instance)]
        command += [reg.url, out.name, json.dumps(vars(args), default=str)]
        subprocess.run(command, cwd=ROOT, check=True)
        return json.loads(Path(out.name).read_text() or "[]")


if __name__ == "__main__":
    main()

"""Time the GRF progress report (all pledges, public) against Chromium printing the same HTML.

    .venv/bin/python bench/report.py                  # fresh database, --scale 1
    .venv/bin/python bench/report.py --instance DIR   # reuse a loaded instance folder
    .venv/bin/python bench/report.py --costs          # also: margin boxes, tags, two processes

Each of --runs runs (3 by default) is a fresh Python subprocess that, inside an app context,
times the whole pipeline as the report job runs it: gather (queries), template (render_html),
layout and write (`render_pdf`: WeasyPrint, tagged PDF); its peak memory is that process's
`getrusage(RUSAGE_SELF).ru_maxrss` (app, data and PDF together). The HTML it rendered is saved
(it links the stylesheet and fonts by `file://` address, so Chromium loads the same ones) and
headless Chromium prints it --runs times: the wall-clock of the Chromium subprocess, started by a
small Python wrapper whose `RUSAGE_CHILDREN` gives Chromium's peak memory (the largest of its
processes) and CPU time (all of them). Medians are printed. Not a test: figures for
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
sys.path.insert(0, str(ROOT))

PARAMS = {"pledge": "all", "audience": "public"}
#: A fixed "generated at", so that every run renders the very same HTML.
GENERATED_AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
#: Margin boxes switched off (for --costs: what the running header and page numbers cost).
NO_MARGIN_BOXES = """
@page { @top-left { content: none } @top-right { content: none } @bottom-right { content: none } }
"""
#: write_pdf options tried by --costs (the product writes pdf/ua-1: tagged, with the PDF/UA
#: identification). full_fonts, hinting and optimize_images were tried on 2026-11-29: no gain.
WRITE_VARIANTS = {
    "product (pdf/ua-1)": {"pdf_variant": "pdf/ua-1"},
    "no tags (not allowed: cost only)": {},
    "pdf/ua-1 + uncompressed_pdf": {"pdf_variant": "pdf/ua-1", "uncompressed_pdf": True},
}


def flask(instance: str, *args: str) -> str:
    """Run a flask CLI command against `instance` and return its output."""
    env = os.environ | {"INSTANCE_PATH": instance, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [FLASK, "--app", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr or done.stdout)
    return done.stdout.strip()


def child(*args: str, instance: str | None = None) -> dict:
    """Run this script in a fresh Python process and return the JSON it prints."""
    env = os.environ | {"LOG_LEVEL": "WARNING"}
    if instance:
        env["INSTANCE_PATH"] = instance
    done = subprocess.run(
        [sys.executable, __file__, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr or done.stdout)
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- in the child processes ---------------------------------------------------------------


def ours(html_path: str) -> dict:
    """One run of the pipeline as `run_report` does it; saves the HTML to `html_path`."""
    from app import create_app
    from registry.reports import grf
    from registry.reports.fingerprint import normalise_params, report_fingerprint
    from registry.reports.render import render_pdf

    app = create_app()
    with app.app_context():
        cpu, started = time.process_time(), time.perf_counter()
        params = grf.parse_params(dict(PARAMS))
        fingerprint = report_fingerprint("grf", normalise_params(params))
        data = grf.gather(params)
        gathered = time.perf_counter()
        html = grf.render_html(params, data, fingerprint=fingerprint, generated_at=GENERATED_AT)
        templated = time.perf_counter()
        rendered = render_pdf(html)
        done = time.perf_counter()
        cpu = time.process_time() - cpu
    Path(html_path).write_text(html, encoding="utf-8")
    Path(html_path).with_suffix(".pdf").write_bytes(rendered.pdf)
    return {
        "gather": gathered - started,
        "template": templated - gathered,
        "layout": rendered.layout_seconds,
        "write": rendered.write_seconds,
        "total": done - started,
        "cpu": cpu,
        "pages": rendered.pages,
        "pdf_bytes": len(rendered.pdf),
        "html_bytes": len(html.encode()),
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def chromium(html_path: str, pdf_path: str) -> dict:
    """Headless Chromium prints the HTML to PDF: wall-clock, CPU and peak memory."""
    with tempfile.TemporaryDirectory(prefix="report-bench-chromium-") as profile:
        command = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            "--no-pdf-header-footer",
            Path(html_path).resolve().as_uri(),
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "total": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_mib": usage.ru_maxrss / 1024,
    }


def _split_in_two(html: str) -> list[str]:
    """The report as two documents cut at the middle annex entry (the second starts a page),
    for the two-process estimate of --costs: the cut is where a parallel render would cut."""
    entries = [m.start() for m in re.finditer(r'<p class="annex-item">', html)]
    cut = entries[len(entries) // 2]
    body = html.index("<body")
    head_and_body = html[: html.index(">", body) + 1]
    return [
        html[:cut] + "</section></body></html>",
        head_and_body + '<section class="chapter">' + html[cut:],
    ]


def _lay_out_and_write(html: str) -> tuple[int, float]:
    """Layout and tagged write of one document, as `render_pdf` does; (pages, seconds)."""
    from weasyprint import HTML

    from registry.reports.render import StaticOnlyFetcher

    root = Path(ROOT / "static")
    started = time.perf_counter()
    document = HTML(
        string=html, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(root)
    ).render()
    document.write_pdf(pdf_variant="pdf/ua-1")
    return len(document.pages), time.perf_counter() - started


def costs(html_path: str) -> dict:
    """Layout with and without margin boxes, writing with each of WRITE_VARIANTS (seconds of
    wall-clock and CPU, PDF size), and the wall-clock of the report split in two documents laid
    out and written by two processes at once (what parallel rendering could gain at best)."""
    from multiprocessing import get_context

    from weasyprint import CSS, HTML

    from app import create_app
    from registry.reports.render import StaticOnlyFetcher

    html = Path(html_path).read_text(encoding="utf-8")
    app = create_app()
    results: dict = {"layout": {}, "write": {}}
    with app.app_context():
        root = Path(app.static_folder)
        fetcher = StaticOnlyFetcher(root)

        def layout(extra_css: str | None):
            wall, cpu = time.perf_counter(), time.process_time()
            document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher).render(
                stylesheets=[CSS(string=extra_css)] if extra_css else None
            )
            return document, time.perf_counter() - wall, time.process_time() - cpu

        base = None
        for name, extra in (("product", None), ("no margin boxes", NO_MARGIN_BOXES)):
            document, wall, cpu = layout(extra)
            results["layout"][name] = {"wall": wall, "cpu": cpu, "pages": len(document.pages)}
            base = base or document
        for name, options in WRITE_VARIANTS.items():
            wall, cpu = time.perf_counter(), time.process_time()
            pdf = base.write_pdf(**options)
            results["write"][name] = {
                "wall": time.perf_counter() - wall,
                "cpu": time.process_time() - cpu,
                "bytes": len(pdf),
            }
    started = time.perf_counter()
    with get_context("spawn").Pool(2) as pool:  # a forked child hung here
        parts = pool.map(_lay_out_and_write, _split_in_two(html))
    results["two processes"] = {
        "wall": time.perf_counter() - started,
        "parts": [{"pages": pages, "seconds": seconds} for pages, seconds in parts],
    }
    return results


# -- the driver ---------------------------------------------------------------------------


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def measure(instance: str, folder: Path, runs: int, with_costs: bool) -> None:
    html = folder / "report.html"
    ours_runs = []
    for i in range(runs):
        ours_runs.append(child("--child", "ours", str(html), instance=instance))
        print(f"ours run {i + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in ours_runs[-1].items()))
    chrome_pdf = folder / "chromium.pdf"
    chrome_runs = []
    for i in range(runs):
        chrome_runs.append(child("--child", "chromium", str(html), str(chrome_pdf)))
        print(
            f"chromium run {i + 1}: "
            + ", ".join(f"{k} {v:.2f}" for k, v in chrome_runs[-1].items())
        )
    chrome_pages = pdf_pages(chrome_pdf)
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout

    import weasyprint

    print(
        f"\n{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores; "
        f"WeasyPrint {weasyprint.__version__}; {version.strip()}; medians of {runs} runs"
    )
    first = ours_runs[0]
    print(
        f"HTML {first['html_bytes'] / 1e6:.2f} MB; PDFs: ours {first['pdf_bytes'] / 1e6:.2f} MB,"
        f" Chromium {chrome_pdf.stat().st_size / 1e6:.2f} MB"
    )
    render = [run["layout"] + run["write"] for run in ours_runs]
    for run, seconds in zip(ours_runs, render, strict=True):
        run["render"] = seconds
    print(f"{'':28} {'pages':>6} {'seconds':>8} {'CPU s':>7} {'pages/s':>8} {'peak MiB':>9}")
    for step in ("gather", "template", "layout", "write"):
        print(f"ours: {step:22} {'':>6} {median(ours_runs, step):8.2f}")
    pages = first["pages"]
    ours_render, ours_total = median(ours_runs, "render"), median(ours_runs, "total")
    chrome = median(chrome_runs, "total")
    print(
        f"ours: layout + write{'':8} {pages:6} {ours_render:8.2f} {'':7} {pages / ours_render:8.1f}"
    )
    print(
        f"ours: whole pipeline{'':8} {pages:6} {ours_total:8.2f} {median(ours_runs, 'cpu'):7.2f}"
        f" {pages / ours_total:8.1f} {median(ours_runs, 'maxrss_mib'):9.0f}  (RUSAGE_SELF)"
    )
    print(
        f"Chromium (subprocess){'':7} {chrome_pages:6} {chrome:8.2f} "
        f"{median(chrome_runs, 'cpu'):7.2f} {chrome_pages / chrome:8.1f} "
        f"{median(chrome_runs, 'maxrss_mib'):9.0f}  (RUSAGE_CHILDREN)"
    )
    print(
        f"ratio ours/Chromium: layout + write {ours_render / chrome:.2f}, "
        f"whole pipeline {ours_total / chrome:.2f}"
    )
    if with_costs:
        found = child("--child", "costs", str(html), instance=instance)
        print("\nlayout (one run each)")
        for name, row in found["layout"].items():
            print(
                f"  {name:36} {row['wall']:6.2f} s  CPU {row['cpu']:6.2f} s  {row['pages']} pages"
            )
        print("write, same laid-out document (one run each)")
        for name, row in found["write"].items():
            print(
                f"  {name:36} {row['wall']:6.2f} s  CPU {row['cpu']:6.2f} s  "
                f"{row['bytes'] / 1e6:.2f} MB"
            )
        split = found["two processes"]
        parts = " + ".join(f"{p['pages']} pages in {p['seconds']:.2f} s" for p in split["parts"])
        print(
            f"two processes at once, layout + write (one run): {split['wall']:.2f} s wall-clock"
            f" ({parts}); ratio to Chromium {split['wall'] / chrome:.2f}"
        )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, args = sys.argv[2], sys.argv[3:]
        if kind == "ours":
            result = ours(*args)
        elif kind == "chromium":
            result = chromium(*args)
        else:
            result = costs(args[0])
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--instance", help="an instance folder already loaded (skips the load)")
    parser.add_argument("--costs", action="store_true", help="also time layout/write variants")
    parser.add_argument("--keep", help="a folder to keep the HTML and both PDFs in")
    options = parser.parse_args()
    if not shutil.which(CHROMIUM):
        raise SystemExit(f"no Chromium at {CHROMIUM} (set CHROMIUM)")

    temp = tempfile.TemporaryDirectory(prefix="report-bench-")
    instance = options.instance
    if instance is None:
        instance = str(Path(temp.name) / "instance")
        os.mkdir(instance)
        flask(instance, "db", "upgrade")
        print(flask(instance, "registry", "demo-data", "--scale", str(options.scale)))
    folder = Path(options.keep) if options.keep else Path(temp.name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        measure(instance, folder, options.runs, options.costs)
    finally:
        temp.cleanup()


if __name__ == "__main__":
    main()

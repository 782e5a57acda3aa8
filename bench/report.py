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


def _peak_mib() -> float:
    """The largest resident size of this process and of its finished children (the pool)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _change(kind: str, annex_html: str) -> str:
    """Change one commitment as staff would: its title, or its status (which also changes
    the summary's figures). Returns what changed."""
    from markupsafe import escape
    from sqlalchemy import select

    from registry.audit import acting_as
    from registry.commitments.operations import change_commitment_statuses
    from registry.extensions import db
    from registry.models import Commitment, CommitmentStatus, Visibility

    # The newest commitment of a named organisation in the last annex chunk (one of a hidden
    # organisation, or of a signature not accepted, would change no chunk at all; an
    # anonymised organisation's title is printed only as approved).
    commitment = next(
        c
        for c in db.session.scalars(select(Commitment).order_by(Commitment.id.desc()))
        if c.signature.organisation.visibility is Visibility.public
        and str(escape(c.title)) in annex_html
    )
    with acting_as(label="bench"):
        if kind == "title":
            commitment.title = commitment.title + " (changed)"
        else:
            statuses = [s for s in CommitmentStatus if s is not commitment.status]
            for status in statuses:
                if change_commitment_statuses([commitment], status, "bench").changed:
                    break
        db.session.commit()
    return f"commitment {commitment.id}: {kind}"


def chunked(cache_dir: str, processes: str, scenario: str) -> dict:
    """The pipeline as `run_report` runs it for the GRF report in chunks: cold (empty cache),
    or after one commitment's `title` or `status` changed (the cache warmed first with the
    data before the change). The process pool is started before the clock (a server keeps it)."""
    from app import create_app
    from registry.reports import chunks, grf
    from registry.reports.fingerprint import normalise_params, report_fingerprint

    app = create_app()
    app.config["REPORT_CHUNK_CACHE_DIR"] = cache_dir
    app.config["REPORT_RENDER_PROCESSES"] = int(processes)
    with app.app_context():
        if int(processes) > 1:
            pool = chunks._executor(int(processes))
            started = time.perf_counter()
            list(pool.map(_warm_worker, range(int(processes))))
            pool_start = time.perf_counter() - started
        else:
            pool_start = 0.0

        annex: list[str] = []

        def pipeline() -> dict:
            cpu, started = time.process_time(), time.perf_counter()
            params = grf.parse_params(dict(PARAMS))
            fingerprint = report_fingerprint("grf", normalise_params(params))
            data = grf.gather(params)
            gathered = time.perf_counter()
            made = grf.render_chunks(
                params, data, fingerprint=fingerprint, generated_at=GENERATED_AT
            )
            templated = time.perf_counter()
            annex[:] = [c.html for c in made if c.name.startswith("annex")][-1:]
            stats = chunks.Stats()
            rendered = chunks.assemble(made, lang="en", stats=stats)
            done = time.perf_counter()
            return {
                "gather": gathered - started,
                "template": templated - gathered,
                "render and merge": done - templated,
                "merge": stats.merge,
                "total": done - started,
                "cpu (this process)": time.process_time() - cpu,
                "pages": rendered.pages,
                "pdf_bytes": len(rendered.pdf),
                "chunks": len(made) + 1,
                "rendered": len(stats.rendered),
                "rendered names": ", ".join(stats.rendered[:4]),
            }

        changed = ""
        if scenario != "cold":
            pipeline()
            changed = _change(scenario, annex[0])
        result = pipeline()
        chunks.shutdown_pool()
    return result | {"pool start": pool_start, "maxrss_mib": _peak_mib(), "changed": changed}


def _warm_worker(_n: int) -> int:
    import registry.reports.render  # noqa: F401 (WeasyPrint loaded in the pool's process)

    return os.getpid()


def rq_cold(redis_url: str) -> dict:
    """One cold report run through RQ (the workers are already listening): from the request to
    the stored PDF, and what the run recorded."""
    from sqlalchemy import delete

    from app import create_app
    from registry.extensions import db
    from registry.models import ReportRun, ReportStatus
    from registry.reports.jobs import request_report

    app = create_app()
    app.config.update(JOBS_MODE="rq", REDIS_URL=redis_url)
    with app.app_context():
        db.session.execute(delete(ReportRun).where(ReportRun.kind == "grf"))
        db.session.commit()
        started = time.perf_counter()
        run = request_report("grf", dict(PARAMS), None)
        db.session.commit()
        while True:
            time.sleep(0.05)
            db.session.expire_all()
            run = db.session.get(ReportRun, run.id)
            if run.status in (ReportStatus.done, ReportStatus.failed):
                break
        wall = time.perf_counter() - started
        if run.status is not ReportStatus.done:
            raise SystemExit(run.error)
        return {
            "total": wall,
            "pages": run.page_count,
            "pdf_bytes": len(run.pdf),
            "timings": run.timings,
        }


def _empty_chunk_caches(redis_url: str, folder: Path, workers: int) -> None:
    from redis import Redis

    from registry.reports.chunks import REDIS_PREFIX

    connection = Redis.from_url(redis_url)
    for key in connection.scan_iter(REDIS_PREFIX + "*"):
        connection.delete(key)
    for n in range(workers):
        shutil.rmtree(folder / f"worker-{n}", ignore_errors=True)


def run_rq(instance: str, redis_url: str, workers: int, folder: Path) -> dict:
    """Start `workers` RQ workers (SimpleWorker: the app and WeasyPrint stay loaded), each
    with a chunk cache folder of its own (as on separate hosts: chunks meet through Redis),
    time one cold report, read each worker's peak memory (VmHWM), stop them."""
    rq = str(Path(sys.executable).with_name("rq"))
    started = []
    for n in range(workers):
        env = os.environ | {
            "INSTANCE_PATH": instance,
            "REDIS_URL": redis_url,
            "REPORT_CHUNK_CACHE_DIR": str(folder / f"worker-{n}"),
            "REPORT_RENDER_PROCESSES": "0",
            "LOG_LEVEL": "WARNING",
        }
        started.append(
            subprocess.Popen(
                [rq, "worker", "--url", redis_url, "--worker-class", "rq.worker.SimpleWorker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        # A first report loads the app and WeasyPrint in the workers (in a deployment they are
        # running already); the caches are then emptied and the second report is timed.
        child("--child", "rq", redis_url, instance=instance)
        _empty_chunk_caches(redis_url, folder, workers)
        result = child("--child", "rq", redis_url, instance=instance)
        peaks = []
        for worker in started:
            status = Path(f"/proc/{worker.pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)
        result["worker peaks MiB"] = peaks
    finally:
        for worker in started:
            worker.terminate()
        for worker in started:
            worker.wait(timeout=30)
    return result


# -- the driver ---------------------------------------------------------------------------


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def measure_chunks(
    instance: str, folder: Path, runs: int, chrome: float, redis_url: str | None
) -> dict:
    """The goals of issue 17 point 7, each a ratio against Chromium's print (`chrome`, the
    median of this run): re-render after one commitment changed ≤ 0.7x, cold ≤ 2.0x on two
    cores, and cold with 4 RQ workers (measured when `redis_url` is given)."""
    goals = {"title": 0.7, "status": None, "cold": 2.0, "cold, in-process (0 processes)": None}
    found: dict[str, list[dict]] = {}
    for name in goals:
        scenario = name.split(",")[0]
        processes = "0" if "in-process" in name else str(os.cpu_count() or 2)
        found[name] = []
        for i in range(runs):
            cache = folder / f"cache-{name.replace(' ', '-')}-{i}"
            shutil.rmtree(cache, ignore_errors=True)
            found[name].append(
                child("--child", "chunked", str(cache), processes, scenario, instance=instance)
            )
    if redis_url:
        found["cold, 4 RQ workers"] = [run_rq(instance, redis_url, 4, folder) for _ in range(runs)]
        goals["cold, 4 RQ workers"] = None
    print(f"\nChunked (Chromium {chrome:.2f} s, median of this run); medians of {runs}")
    print(
        f"{'scenario':34} {'seconds':>8} {'ratio':>6} {'goal':>5} {'pages':>6} {'MiB':>6}"
        f" {'PDF MB':>7}  chunks rendered"
    )
    for name, rows in found.items():
        total = median(rows, "total")
        goal = goals[name]
        first = rows[0]
        print(
            f"{name:34} {total:8.2f} {total / chrome:6.2f} {goal or '':>5} {first['pages']:6}"
            f" {statistics.median(r.get('maxrss_mib', 0) for r in rows):6.0f}"
            f" {first['pdf_bytes'] / 1e6:7.2f}  {first.get('rendered', '')}"
            f" {first.get('rendered names', '')}"
        )
        for key in ("gather", "template", "render and merge", "merge", "pool start"):
            if key in first:
                print(f"    {key:30} {median(rows, key):8.2f}")
        if "timings" in first:
            print(f"    run timings {first['timings']}; worker peaks {first['worker peaks MiB']}")
    return found


def measure(
    instance: str,
    folder: Path,
    runs: int,
    with_costs: bool,
    chunked_too: bool = True,
    redis_url: str | None = None,
) -> None:
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
    if chunked_too:
        measure_chunks(instance, folder, runs, chrome, redis_url)
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
        elif kind == "chunked":
            result = chunked(*args)
        elif kind == "rq":
            result = rq_cold(*args)
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
    parser.add_argument("--no-chunks", action="store_true", help="skip the chunked scenarios")
    parser.add_argument(
        "--redis",
        help="a Redis URL for the 4-RQ-worker scenario (its db 0 queue 'default' is used)",
    )
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
        measure(instance, folder, options.runs, options.costs, not options.no_chunks, options.redis)
    finally:
        temp.cleanup()


if __name__ == "__main__":
    main()

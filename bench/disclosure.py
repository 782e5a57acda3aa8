"""What the public view costs: the GRF report's gathering for the public (every commitment and
update turned into public records: redaction, approvals, small groups) against its floor, the
same rows gathered without the public view, in the same run; and the redaction itself against
its floor, folding the same texts and scanning them for one word.

    .venv/bin/python bench/disclosure.py                  # fresh database, --scale 1
    .venv/bin/python bench/disclosure.py --instance DIR   # reuse a loaded instance folder

Each of --runs runs (3 by default) is a fresh Python subprocess with an app context; medians
are printed. Not a test: figures for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.report import flask  # noqa: E402 - after the path is set

PARAMS = {"pledge": "all", "audience": "public"}


def one_run() -> dict:
    """In the child: time the floor and the public gathering, and the redaction of every text."""
    from app import create_app
    from registry.disclosure import View
    from registry.reports import grf, grf_data
    from registry.text import fold

    app = create_app()
    with app.app_context():
        params = grf.parse_params(dict(PARAMS))
        started = time.perf_counter()
        rows = grf_data.gather(params)
        floor = time.perf_counter() - started
        started = time.perf_counter()
        data = grf.gather(params)
        public = time.perf_counter() - started
        view = View()
        started = time.perf_counter()
        identifiers = view.identifiers
        redactor = view.full_redactor
        load = time.perf_counter() - started
        texts = [t for c in rows["commitments"] for t in (c.title, c.description) if t]
        texts += [u.achievements for u in rows["updates"] if u.achievements]
        one_word = re.compile("kakuma")  # the floor: one scan of each folded text
        started = time.perf_counter()
        for text in texts:
            one_word.search(fold(text))
        folding = time.perf_counter() - started
        started = time.perf_counter()
        found = sum(len(redactor.find(text)) for text in texts)
        redaction = time.perf_counter() - started
    return {
        "floor": floor,
        "public": public,
        "load": load,
        "identifiers": len(identifiers),
        "protected": len(view.protected),
        "commitments": len(rows["commitments"]),
        "items": sum(len(g["items"]) for g in data["annex"]),
        "not_listed": sum(g["not_listed"] for g in data["annex"]),
        "texts": len(texts),
        "chars": sum(len(t) for t in texts),
        "matches": found,
        "folding": folding,
        "redaction": redaction,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", help="a loaded instance folder to reuse")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run()))
        return
    instance = args.instance or tempfile.mkdtemp(prefix="disclosure-bench-")
    if not args.instance:
        flask(instance, "db", "upgrade")
        flask(instance, "registry", "demo-data", "--scale", str(args.scale))
    runs = [child_run(instance) for _ in range(args.runs)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    first = runs[0]
    print(
        f"instance {instance}: {first['commitments']} commitments, {first['protected']} "
        f"protected organisations with {first['identifiers']} identifiers"
    )
    print(f"annex items {first['items']}, counted not listed {first['not_listed']}")
    print(f"gather without the public view (floor): {med('floor'):.2f} s")
    print(
        f"gather through the public view:         {med('public'):.2f} s  "
        f"(x{med('public') / med('floor'):.2f} of the floor)"
    )
    print(f"loading identifiers and compiling:      {med('load'):.3f} s")
    print(f"{first['texts']} texts, {first['chars']:,} characters, {first['matches']} matches")
    print(f"folding them, scanning for one word (floor): {med('folding'):.3f} s")
    print(
        f"finding identifiers in them:            {med('redaction'):.3f} s  "
        f"(x{med('redaction') / med('folding'):.1f} of the floor, "
        f"{first['chars'] / med('redaction') / 1e6:.2f} M characters/s)"
    )


def child_run(instance: str) -> dict:
    """One measuring run in a fresh Python process (this script with --child)."""
    env = os.environ | {"INSTANCE_PATH": instance, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, __file__, "--child"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr or done.stdout)
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

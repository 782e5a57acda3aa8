"""One registry's scenarios in a process of its own (started by `python -m bench`)."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from pathlib import Path

from bench.__main__ import run_registry
from bench.databases import Registry


def main() -> None:
    kind, scale, instance, url, out, raw = sys.argv[1:7]
    options = json.loads(raw)
    args = Namespace(
        runs=int(options["runs"]),
        import_rows=[int(n) for n in options["import_rows"]],
        seconds=float(options["seconds"]),
        no_report=bool(options["no_report"]),
        no_throughput=bool(options["no_throughput"]),
        only=options.get("only") or None,
    )
    rows = run_registry(Registry(kind, int(scale), Path(instance), url), args)
    Path(out).write_text(json.dumps(rows))


if __name__ == "__main__":
    main()

"""Time the commitments tracker against its floor on a scale-N demo registry (SQLite).

    .venv/bin/python bench/tracker.py                 # fresh database, --scale 30 (≈111,000)
    .venv/bin/python bench/tracker.py --scale 10      # smaller, for a slow machine
    .venv/bin/python bench/tracker.py --instance DIR  # reuse a loaded instance folder

For each case (first page, 500th page, a filtered search) it times, side by side, the page
through the app's test client (logged in as a coordinator) and its floor: the same rows fetched
by ONE raw SQL query through `sqlite3` plus rendering the same template with equivalent data.
Medians over --requests runs each. Not a test: it prints figures for bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
sys.path.insert(0, str(ROOT))

CASES = {
    "first page": {},
    "500th page": {"page": "500"},
    "search q=refugee, East/Horn": {"q": "refugee", "region": "east_horn_great_lakes"},
}
PASSWORD = "bench tracker password 42"
TRACKER = "/coordinate/commitments"


def flask(instance: str, *args: str) -> str:
    """Run a flask CLI command against `instance` and return its output."""
    env = os.environ | {"INSTANCE_PATH": instance, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [FLASK, "--app", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr or done.stdout)
    return done.stdout.strip()


def floor_query(filters) -> tuple[str, list]:
    """ONE SQL statement returning the page's rows with the columns the table shows."""
    where, params = ["1=1"], []
    if filters.region:
        where.append("o.region = ?")
        params.append(filters.region)
    if filters.q:
        pattern = f"%{filters.q.lower()}%"
        where.append(
            "(lower(c.title) LIKE ? OR lower(c.description) LIKE ? OR lower(o.name) LIKE ?)"
        )
        params += [pattern] * 3
    filtered = (
        "SELECT c.id FROM commitments c JOIN signatures s ON s.id = c.signature_id "
        f"JOIN organisations o ON o.id = s.organisation_id WHERE {' AND '.join(where)} "
        "ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?"
    )
    params += [filters.per_page, (filters.page - 1) * filters.per_page]
    sql = (
        "SELECT c.id, c.title, c.status, c.target_date, o.name, p.title, k.title "
        "FROM commitments c JOIN signatures s ON s.id = c.signature_id "
        "JOIN organisations o ON o.id = s.organisation_id JOIN pledges p ON p.id = s.pledge_id "
        "LEFT JOIN key_outcomes k ON k.id = c.key_outcome_id "
        f"WHERE c.id IN ({filtered}) ORDER BY c.updated_at DESC, c.id DESC"
    )
    return sql, params


def floor_rows(connection, filters) -> list[SimpleNamespace]:
    """The page's rows as plain objects shaped like the ORM's (what the template reads)."""
    from registry.models import CommitmentStatus

    sql, params = floor_query(filters)
    return [
        SimpleNamespace(
            id=cid,
            title=title,
            status=CommitmentStatus[status],
            target_date=date.fromisoformat(target) if target else None,
            signature=SimpleNamespace(
                organisation=SimpleNamespace(name=org), pledge=SimpleNamespace(title=pledge)
            ),
            key_outcome=SimpleNamespace(title=outcome) if outcome else None,
        )
        for cid, title, status, target, org, pledge, outcome in connection.execute(sql, params)
    ]


def median_ms(fn, requests: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(instance: str, requests: int) -> dict:
    """Time each case's page and floor; returns {case: (page ms, floor ms, total)}."""
    os.environ["INSTANCE_PATH"] = instance
    from flask import render_template

    from app import create_app
    from registry.accounts import operations
    from registry.audit import acting_as
    from registry.commitments.forms import BulkStatusForm, SavedFilterForm, TrackerFilterForm
    from registry.commitments.queries import CommitmentFilters, commitment_page, tracker_pledges
    from registry.extensions import db
    from registry.forms import BaseForm
    from registry.lists import Page
    from registry.models import Role, WindowKind
    from registry.seed import vocabulary_terms

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    email = "bench-coordinator@example.org"
    with app.app_context():
        if operations.find_user_by_email(email) is None:
            with acting_as(label="bench"):
                operations.create_user(email, "Bench Coordinator", PASSWORD, Role.coordinator)
                db.session.commit()
    client = app.test_client()
    response = client.post("/account/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code

    connection = sqlite3.connect(Path(instance) / "registry.db")
    results = {}
    for name, args in CASES.items():

        def page_request(args=args):
            response = client.get(TRACKER, query_string=args)
            assert response.status_code == 200
            return response

        with app.test_request_context(TRACKER, query_string=args):
            filters = CommitmentFilters.from_args(args)
            # The floor gets what does not depend on the rows for free: the total, the forms.
            total = commitment_page(filters).total
            pledges = tracker_pledges()
            windows = [w for p in pledges for w in p.windows if w.kind is WindowKind.progress]
            filter_form = TrackerFilterForm(formdata=None)
            filter_form.set_choices(
                pledges, vocabulary_terms(), [o for p in pledges for o in p.key_outcomes], windows
            )
            filter_form.load(filters)
            context = {
                "filters": filters,
                "window": None,
                "reporting": {},
                "filter_form": filter_form,
                "status_form": BulkStatusForm(formdata=None),
                "saved_form": SavedFilterForm(formdata=None),
                "saved": [],
                "button_form": BaseForm(),
                "selected": set(),
            }

            def floor(filters=filters, total=total, context=context):
                rows = floor_rows(connection, filters)
                page = Page(rows=rows, total=total, page=filters.page, per_page=filters.per_page)
                return render_template("commitments/index.html", page=page, **context)

            floor_ids = [r.id for r in floor_rows(connection, filters)]
            floor_ms = median_ms(floor, requests)
        # The page outside the floor's request context (the client opens its own).
        page_html = page_request().get_data(as_text=True)
        page_ids = [int(i) for i in re.findall(r'name="ids" value="(\d+)"', page_html)]
        assert page_ids == floor_ids, f"{name}: the page and its floor show different rows"
        page_ms = median_ms(page_request, requests)
        results[name] = (page_ms, floor_ms, total)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=30)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--instance", help="an instance folder already loaded (skips the load)")
    options = parser.parse_args()

    temp = None
    instance = options.instance
    if instance is None:
        temp = tempfile.TemporaryDirectory(prefix=f"tracker-bench-{options.scale}-")
        instance = temp.name
        flask(instance, "db", "upgrade")
        started = time.perf_counter()
        print(flask(instance, "registry", "demo-data", "--scale", str(options.scale)))
        print(f"load: {time.perf_counter() - started:.1f} s wall-clock")
    try:
        results = measure(instance, options.requests)
    finally:
        if temp is not None:
            temp.cleanup()

    print(
        f"\n{platform.platform()}, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, {os.cpu_count()} cores; medians of {options.requests}"
    )
    print(f"{'case':32} {'rows':>8} {'page ms':>9} {'floor ms':>9} {'page/floor':>10}")
    for name, (page_ms, floor_ms, total) in results.items():
        print(f"{name:32} {total:8,} {page_ms:9.1f} {floor_ms:9.1f} {page_ms / floor_ms:10.2f}")
    first, deep = results["first page"][0], results["500th page"][0]
    print(f"500th page / first page: {deep / first:.2f}")


if __name__ == "__main__":
    main()

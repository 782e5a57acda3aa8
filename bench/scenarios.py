"""The benchmark scenarios, each timed against its floor in the same run, in one process with
the registry's app. Every function takes a `Context` and returns {"ours": ms, "floor": ms, …}.

Floors:
- pages (tracker, dashboard, public pledge page): the same request to the same view, with the
  data its queries return handed over ready (computed beforehand), plus the page's own rows
  fetched by one raw SQL statement through the driver: the page's template, login and framework
  cost, and the least the database must do;
- the dashboard also reports its aggregates counted directly (`direct`, the GROUP BY queries
  the summary replaces), the figure that grew with the data before;
- import: one `executemany` transaction of the same rows (Core `insert()` of the rows the
  import writes to the domain tables, prepared beforehand; no parsing, lookups or audit);
- report: headless Chromium printing the report's own HTML.
"""

from __future__ import annotations

import csv
import io
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "bench coordinator password 42"
EMAIL = "bench-coordinator@example.org"
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Context:
    """An app on one loaded registry, a logged-in coordinator client and an anonymous one."""

    app: object
    staff: object
    visitor: object
    registry: object
    runs: int


def median_ms(fn, runs: int) -> float:
    """The median of `runs` timings of `fn()` after one warm-up call, in ms."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def make_context(registry, runs: int) -> Context:
    """The app for `registry` (its environment set first), with a coordinator logged in."""
    import os

    os.environ.update(registry.env())
    from app import create_app
    from registry.accounts import operations as accounts
    from registry.audit import acting_as
    from registry.extensions import db
    from registry.models import Role

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "JOBS_MODE": "sync"})
    with app.app_context():
        user = accounts.find_user_by_email(EMAIL)
        with acting_as(label="bench"):
            if user is None:
                accounts.create_user(EMAIL, "Bench Coordinator", PASSWORD, Role.coordinator)
            else:  # a kept registry: its authenticator is set up again at the next login
                user.tf_primary_method = user.tf_totp_secret = None
            db.session.commit()
    staff = app.test_client()
    response = staff.post("/account/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return Context(app, staff, app.test_client(), registry, runs)


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _raw(context: Context, sql: str) -> None:
    """One raw statement through the driver, all rows fetched."""
    from registry.extensions import db

    with context.app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            cursor.fetchall()
        finally:
            connection.close()


def _page(context: Context, client, url: str, floor_sql: str, ready) -> dict:
    """The page against its floor. `ready()` (in an app context that the floor's requests
    share) returns [(module, name, value)]: each query function the view calls, replaced by
    one returning what it returned."""
    from unittest import mock

    ours = median_ms(lambda: _get(client, url), context.runs)
    with context.app.app_context():
        patches = [mock.patch.object(module, name, value) for module, name, value in ready()]
        for patch in patches:
            patch.start()
        try:
            served = median_ms(lambda: _get(client, url), context.runs)
        finally:
            for patch in patches:
                patch.stop()
    rows = median_ms(lambda: _raw(context, floor_sql), context.runs)
    return {"ours": ours, "floor": served + rows, "bytes": len(_get(client, url).data)}


TRACKER_FLOOR = (
    "SELECT c.id, c.title, c.status, c.target_date, o.name, p.title, k.title "
    "FROM commitments c JOIN signatures s ON s.id = c.signature_id "
    "JOIN organisations o ON o.id = s.organisation_id JOIN pledges p ON p.id = s.pledge_id "
    "LEFT JOIN key_outcomes k ON k.id = c.key_outcome_id "
    "ORDER BY c.updated_at DESC, c.id DESC LIMIT 25"
)
PUBLIC_FLOOR = (
    "SELECT o.name, o.acronym, o.country, o.stakeholder_type FROM organisations o "
    "JOIN signatures s ON s.organisation_id = o.id WHERE s.status = 'accepted' "
    "AND o.visibility = 'public' ORDER BY lower(o.name), o.id LIMIT 50"
)
SUMMARY_FLOOR = "SELECT pledge_id, figure, key, n FROM summary_counts WHERE n <> 0"


def tracker(context: Context) -> dict:
    """The tracker's first page (25 rows, newest first)."""
    from registry.commitments import views
    from registry.commitments.queries import CommitmentFilters

    def ready():
        page = views.queries.commitment_page(CommitmentFilters())
        return [(views.queries, "commitment_page", lambda _filters: page)]

    return _page(context, context.staff, "/coordinate/commitments", TRACKER_FLOOR, ready)


def dashboard(context: Context) -> dict:
    """The coordinators' dashboard (every pledge), and its aggregates counted directly."""
    from registry.dashboard import views
    from registry.dashboard.queries import dashboard_figures

    def ready():
        figures = views.dashboard_figures(None)
        rollups = {p.id: views._rollup(p) for p in views.pledge_queries.all_pledges()}
        return [
            (views, "dashboard_figures", lambda _pledge: figures),
            (views, "_rollup", lambda pledge: rollups[pledge.id]),
        ]

    result = _page(context, context.staff, "/coordinate/dashboard", SUMMARY_FLOOR, ready)

    def direct():
        with context.app.app_context():
            dashboard_figures(direct=True)

    result["direct_aggregates"] = median_ms(direct, max(1, context.runs // 2))
    return result


def public_pages(context: Context) -> dict:
    """The public pledge page (first page of named signatories) for an anonymous visitor."""
    from registry.disclosure import View
    from registry.pledges import views

    def ready():
        view = View()
        pledge = views.public_pledge(view, "digital-protection")
        signatories = views.public_signatories(view, pledge.id, 1)
        counts = views.signatory_counts(view, pledge.id)
        return [
            (views, "public_signatories", lambda _view, _pledge_id, _page=1: signatories),
            (views, "signatory_counts", lambda _view, _pledge_id: counts),
        ]

    return _page(context, context.visitor, "/pledges/digital-protection", PUBLIC_FLOOR, ready)


#: The rows of the API's and the directory's first page (25 public commitments, newest
#: change first) with what a row shows, by one statement.
API_FLOOR = (
    "SELECT c.id, c.title, c.description, c.status, c.progress_percent, c.start_date, "
    "c.target_date, c.indicator_text, c.indicator_baseline, c.indicator_target, "
    "c.updated_at, o.name, o.stakeholder_type, o.country, p.slug, p.title, k.title "
    "FROM commitments c JOIN signatures s ON s.id = c.signature_id "
    "JOIN organisations o ON o.id = s.organisation_id JOIN pledges p ON p.id = s.pledge_id "
    "LEFT JOIN key_outcomes k ON k.id = c.key_outcome_id "
    "WHERE s.status = 'accepted' AND o.visibility <> 'hidden' "
    "ORDER BY c.updated_at DESC, c.id DESC LIMIT 25"
)


def _bare_endpoint(url: str):
    """A bare Flask app whose one endpoint returns the page's rows, read by one raw SQL
    statement, as JSON: the floor of the API and the directory (issue 12)."""
    from flask import Flask, jsonify
    from sqlalchemy import create_engine

    engine = create_engine(url)
    bare = Flask("floor")

    @bare.get("/rows")
    def rows():
        with engine.connect() as connection:
            found = connection.exec_driver_sql(API_FLOOR).fetchall()
        return jsonify([[str(v) if v is not None else None for v in row] for row in found])

    return bare.test_client(), engine


def api(context: Context) -> dict:
    """The API's first page of commitments (25) for an anonymous caller, against a bare Flask
    endpoint returning the same rows from one raw SQL statement; the directory's first page
    (with its facets) against the same floor; and the statements each sends."""
    from sqlalchemy import event, text

    from registry.extensions import db

    client, engine = _bare_endpoint(context.registry.url)
    floor = median_ms(lambda: _get(client, "/rows"), context.runs)
    engine.dispose()
    with context.app.app_context():
        registry_engine = db.engine

    from registry.api.views import forget_answers
    from registry.disclosure.directory import forget_pages

    def statements(url: str) -> int:
        """The statements of the answer built afresh (not the kept one): the facets, totals
        and identifiers stay kept, as they are for every page under one data version."""
        count = 0

        def tick(*_args):
            nonlocal count
            count += 1

        forget_answers()
        forget_pages()
        event.listen(registry_engine, "before_cursor_execute", tick)
        try:
            _get(context.visitor, url)
        finally:
            event.remove(registry_engine, "before_cursor_execute", tick)
        return count

    ours = median_ms(lambda: _get(context.visitor, "/api/v1/commitments"), context.runs)
    page = median_ms(lambda: _get(context.visitor, "/commitments"), context.runs)
    etag = _get(context.visitor, "/api/v1/commitments").headers["ETag"]
    not_modified = median_ms(
        lambda: context.visitor.get("/api/v1/commitments", headers={"If-None-Match": etag}),
        context.runs,
    )

    def after_a_change() -> None:
        """One commitment touched (a committed write: every kept thing is then stale), then
        the API's first page: what the first reader after any change waits."""
        with context.app.app_context():
            db.session.execute(
                text(
                    "UPDATE commitments SET updated_at = updated_at"
                    " WHERE id = (SELECT min(id) FROM commitments)"
                )
            )
            db.session.commit()
        _get(context.visitor, "/api/v1/commitments")

    first_after_change = median_ms(after_a_change, max(3, context.runs // 2))
    return {
        "ours": ours,
        "floor": floor,
        "first_after_change": first_after_change,
        "directory_page": page,
        "directory_ratio": round(page / floor, 2) if floor else None,
        "not_modified": not_modified,
        "statements_25": statements("/api/v1/commitments"),
        "statements_100": statements("/api/v1/commitments?per_page=100"),
        "bytes": len(_get(context.visitor, "/api/v1/commitments").data),
    }


def _org_rows(count: int, tag: str) -> list[dict]:
    return [
        {
            "external_ref": f"bench-{tag}-{n}",
            "name": f"Bench organisation {tag} {n}",
            "acronym": "",
            "stakeholder_type": "national_ngo",
            "country": "KEN",
            "website": f"https://bench-{tag}-{n}.example.org",
            "is_refugee_led": "no",
            "visibility": "public",
            "description": "A benchmark organisation.",
        }
        for n in range(count)
    ]


def _commitment_rows(count: int, tag: str, organisations: int) -> list[dict]:
    return [
        {
            "external_ref": f"bench-c-{tag}-{n}",
            "organisation_external_ref": f"scale-org-{n % organisations + 1:06d}",
            "pledge": "digital-protection",
            "title": f"Benchmark commitment {n}",
            "description": "What we will do, measured.",
            "key_outcome": str(n % 3 + 1),
            "status": "in_progress",
            "geographic_level": "national",
            "countries": "KEN; UGA",
            "risks": "hate_speech; misinformation",
            "action_areas": "social_listening",
            "target_populations": "refugees",
            "languages": "Arabic; Somali",
            "start_date": "2026-01-01",
            "target_date": "2027-06-30",
            "indicator_text": "Escalations handled",
            "indicator_unit": "escalations",
            "indicator_baseline": "0",
            "indicator_target": "500",
            "signature_status": "",
        }
        for n in range(count)
    ]


def _csv(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _import_once(context: Context, kind: str, path: Path) -> float:
    """The CLI's import of `path` (read, plan, write, flush), rolled back; seconds."""
    from registry import text
    from registry.audit import acting_as
    from registry.extensions import db
    from registry.transfer import operations
    from registry.transfer.importing.files import load_import

    # The same file is imported again for each run: start every run with cold caches of
    # names and hosts, as a first import of new rows would.
    for remembered in (text.normalise_name, text.website_domain):
        remembered.cache_clear()
    with context.app.app_context(), acting_as(label="bench"):
        started = time.perf_counter()
        table = load_import(kind, path.name, path)
        plan = operations.plan_import(kind, table.rows)
        assert not plan.blocking(False), plan.counts
        operations.apply_import(kind, plan=plan)
        db.session.flush()
        elapsed = time.perf_counter() - started
        db.session.rollback()
    return elapsed


def _floor_once(context: Context, kind: str, rows: list[dict]) -> float:
    """One executemany transaction of the rows the import writes, rolled back; seconds."""
    from sqlalchemy import insert, select

    from registry.extensions import db
    from registry.models import (
        Commitment,
        CommitmentCountry,
        Organisation,
        Signature,
        StakeholderType,
        Visibility,
        VocabularyTerm,
        utcnow,
    )
    from registry.models.signatures import (
        commitment_action_areas,
        commitment_risks,
        commitment_target_populations,
    )
    from registry.organisations.operations import organisation_row

    now = utcnow()
    with context.app.app_context():
        if kind == "organisations":
            prepared = [
                organisation_row(
                    {
                        "name": r["name"],
                        "acronym": None,
                        "stakeholder_type": StakeholderType.national_ngo,
                        "country": r["country"],
                        "website": r["website"],
                        "visibility": Visibility.public,
                        "description": r["description"],
                        "external_ref": r["external_ref"],
                    },
                    now,
                )
                for r in rows
            ]
            tables = [(Organisation.__table__, prepared)]
        else:
            signatures = dict(
                db.session.execute(
                    select(Organisation.external_ref, Signature.id).join(Signature)
                ).all()
            )
            prepared = [
                {
                    "signature_id": signatures[r["organisation_external_ref"]],
                    "title": r["title"],
                    "description": r["description"],
                    "status": "in_progress",
                    "external_ref": r["external_ref"],
                    "languages": ["Arabic", "Somali"],
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in rows
            ]
            tables = [(Commitment.__table__, prepared)]
        terms = dict(db.session.execute(select(VocabularyTerm.code, VocabularyTerm.id)).all())
        connection = db.session.connection()
        started = time.perf_counter()
        for table, table_rows in tables:
            connection.execute(insert(table), table_rows)
        if kind == "commitments":
            # The same link rows as the import: two countries, two risks, an action area, a
            # target population per commitment.
            ids = list(
                connection.execute(
                    select(Commitment.id).where(Commitment.external_ref.like("bench-c-%"))
                ).scalars()
            )
            countries = [{"commitment_id": i, "country": c} for i in ids for c in ("KEN", "UGA")]
            connection.execute(insert(CommitmentCountry.__table__), countries)
            for table, codes in (
                (commitment_risks, ("hate_speech", "misinformation")),
                (commitment_action_areas, ("social_listening",)),
                (commitment_target_populations, ("refugees",)),
            ):
                links = [{"commitment_id": i, "term_id": terms[c]} for i in ids for c in codes]
                connection.execute(insert(table), links)
        db.session.flush()
        elapsed = time.perf_counter() - started
        db.session.rollback()
    return elapsed


def import_rows(context: Context, kind: str, count: int) -> dict:
    """`count` rows of `kind` imported from a CSV file against one executemany transaction."""
    import resource

    scale_orgs = context.registry.scale * 1000
    rows = (
        _org_rows(count, "o")
        if kind == "organisations"
        else _commitment_rows(count, "c", min(scale_orgs, max(count // 4, 1)))
    )
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        path = Path(folder) / f"{kind}.csv"
        _csv(rows, path)
        runs = max(1, min(context.runs, 3 if count <= 10_000 else 1))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ours = statistics.median(_import_once(context, kind, path) for _ in range(runs))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        floor = statistics.median(_floor_once(context, kind, rows) for _ in range(runs))
    return {
        "ours": ours * 1000,
        "floor": floor * 1000,
        "rows": count,
        "rows_per_s": round(count / ours),
        "peak_rss_growth_mib": round((peak - before) / 1024, 1),
    }


def report(context: Context) -> dict:
    """The signatory report of one organisation (gather, template, layout, PDF) against headless
    Chromium printing the same HTML."""
    from sqlalchemy import select

    from registry.extensions import db
    from registry.models import Organisation, Visibility, utcnow
    from registry.reports import signatory
    from registry.reports.render import render_pdf

    with context.app.app_context():
        organisation_id = db.session.scalar(
            select(Organisation.id)
            .where(Organisation.visibility == Visibility.public)
            .order_by(Organisation.id)
        )
        html_holder = {}

        def ours():
            params = signatory.parse_params({"organisation": organisation_id})
            data = signatory.gather(params)
            html = signatory.render_html(params, data, fingerprint="bench", generated_at=utcnow())
            html_holder["html"] = html
            render_pdf(html)

        runs = max(1, min(context.runs, 3))
        ours_ms = median_ms(ours, runs)
    if not Path(CHROMIUM).exists():
        return {"ours": ours_ms, "floor": None, "note": "no Chromium: no floor"}
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        html = Path(folder) / "report.html"
        html.write_text(html_holder["html"], encoding="utf-8")

        def chromium():
            subprocess.run(
                [
                    CHROMIUM,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    f"--user-data-dir={folder}/profile",
                    f"--print-to-pdf={folder}/chromium.pdf",
                    "--no-pdf-header-footer",
                    html.as_uri(),
                ],
                check=True,
                capture_output=True,
            )

        floor_ms = median_ms(chromium, runs)
    return {"ours": ours_ms, "floor": floor_ms}


def csv_text(rows: list[dict]) -> str:
    """Rows as CSV text (for callers that want the file in memory)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()

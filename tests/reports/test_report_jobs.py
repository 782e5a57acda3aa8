"""Report runs: the job from queued to done, the data-fingerprint cache, failures, the pages
and the `registry report` command."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from registry.audit import acting_as
from registry.models import Organisation, ReportRun, ReportStatus, Role, utcnow
from registry.reports import jobs as report_jobs
from registry.reports import signatory
from registry.reports.fingerprint import report_fingerprint


@pytest.fixture
def render_calls(monkeypatch):
    """Count the PDFs rendered (the cache must not render again)."""
    calls = []
    real = report_jobs.render_pdf

    def counting(html):
        calls.append(html)
        return real(html)

    monkeypatch.setattr(report_jobs, "render_pdf", counting)
    return calls


@pytest.fixture
def no_worker(monkeypatch):
    """Runs stay queued: the job is not started, so each state can be looked at."""
    started = []
    monkeypatch.setattr(report_jobs.jobs, "enqueue", lambda path, *args: started.append(args))
    return started


def fresh(run_id: int, db) -> ReportRun:
    db.session.expire_all()
    return db.session.get(ReportRun, run_id)


def request_signatory(db, organisation, **extra) -> ReportRun:
    run = report_jobs.request_report(
        "signatory", {"organisation": str(organisation.id)} | extra, None
    )
    db.session.commit()
    return fresh(run.id, db)


def assert_pdf(run: ReportRun) -> PdfReader:
    assert run.status is ReportStatus.done, run.error
    reader = PdfReader(BytesIO(run.pdf))
    assert len(reader.pages) == run.page_count >= 1
    return reader


def test_a_run_goes_from_queued_to_done_with_a_pdf(db, make_org):
    organisation = make_org(name="Radio Dadaab")
    run = report_jobs.request_report("signatory", {"organisation": organisation.id}, None)
    assert run.status is ReportStatus.queued and run.pdf is None
    assert run.parameters == {"organisation": organisation.id, "audience": "public"}
    db.session.commit()  # the job starts after the commit (JOBS_MODE "sync" in the tests)

    run = fresh(run.id, db)
    reader = assert_pdf(run)
    assert "Radio Dadaab" in "".join(page.extract_text() for page in reader.pages)
    assert set(run.timings) == {"gather", "template", "layout", "write"}
    assert all(seconds >= 0 for seconds in run.timings.values())
    assert run.started_at <= run.finished_at
    assert len(run.fingerprint) == 64 and run.error is None


def test_the_thread_worker_runs_it_in_the_background(app, db, make_org, monkeypatch):
    organisation = make_org()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs-test")
    monkeypatch.setitem(app.config, "JOBS_MODE", "thread")
    monkeypatch.setitem(app.extensions, "jobs", executor)
    run = report_jobs.request_report("signatory", {"organisation": organisation.id}, None)
    db.session.commit()
    deadline = time.monotonic() + 60
    while fresh(run.id, db).status not in report_jobs.FINISHED and time.monotonic() < deadline:
        time.sleep(0.1)
    executor.shutdown(wait=True)
    assert_pdf(fresh(run.id, db))


def test_unchanged_data_returns_the_stored_pdf_without_rendering(db, make_org, render_calls):
    organisation = make_org()
    first = request_signatory(db, organisation)
    assert_pdf(first)
    again = request_signatory(db, organisation, audience="public")  # the same, normalised
    assert again.id == first.id and again.pdf == first.pdf
    assert len(render_calls) == 1
    assert db.session.query(ReportRun).count() == 1


def test_a_change_to_the_data_makes_a_new_report(db, make_org, render_calls):
    organisation = make_org(name="Before Rename")
    first = request_signatory(db, organisation)
    with acting_as(label="test"):
        db.session.get(Organisation, organisation.id).name = "After Rename"
        db.session.commit()
    second = request_signatory(db, organisation)
    assert second.id != first.id and second.fingerprint != first.fingerprint
    assert len(render_calls) == 2
    text = "".join(page.extract_text() for page in assert_pdf(second).pages)
    assert "After Rename" in text


def test_the_fingerprint_moves_on_insert_update_and_delete(db, make_org):
    def fingerprint():
        return report_fingerprint("signatory", {"organisation": 1, "audience": "public"})

    first = make_org()
    start = fingerprint()
    assert fingerprint() == start
    organisation = make_org()
    inserted = fingerprint()
    with acting_as(label="test"):
        organisation.website = "https://example.org"
        db.session.commit()
    updated = fingerprint()
    with acting_as(label="test"):
        db.session.delete(first)  # not the newest row: the count gives it away
        db.session.commit()
    deleted = fingerprint()
    assert len({start, inserted, updated, deleted}) == 4
    other = report_fingerprint("signatory", {"organisation": 2, "audience": "public"})
    assert other != deleted


def test_a_failing_job_is_recorded_and_the_app_carries_on(client, db, make_org, staff, monkeypatch):
    def broken(params):
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(signatory, "gather", broken)
    run = request_signatory(db, make_org())
    assert run.status is ReportStatus.failed
    assert run.error == "RuntimeError: the database is on fire"
    assert run.pdf is None and run.finished_at is not None

    page = client.get(f"/coordinate/reports/{run.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "the database is on fire" in html
    assert "Traceback" not in html and 'http-equiv="refresh"' not in html
    assert client.get(f"/coordinate/reports/{run.id}.pdf").status_code == 404
    assert client.get("/coordinate/reports").status_code == 200


def test_the_report_pages_follow_a_run(client, db, make_org, staff, no_worker):
    organisation = make_org()
    index = client.get("/coordinate/reports")
    assert index.status_code == 200
    assert 'name="report"' in index.get_data(as_text=True)

    response = client.post(
        "/coordinate/reports",
        data={"report": "signatory", "signatory_organisation": str(organisation.id)},
    )
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert no_worker == [(run_id,)]
    run = fresh(run_id, db)
    assert run.requested_by_id == staff.id and run.status is ReportStatus.queued

    queued = client.get(f"/coordinate/reports/{run_id}")
    assert '<meta http-equiv="refresh" content="2">' in queued.get_data(as_text=True)
    assert queued.headers["Refresh"] == "2"
    assert 'data-status="queued"' in queued.get_data(as_text=True)
    assert client.get(f"/coordinate/reports/{run_id}.pdf").status_code == 404

    run.status = ReportStatus.gathering
    db.session.commit()
    gathering = client.get(f"/coordinate/reports/{run_id}").get_data(as_text=True)
    assert 'data-status="gathering"' in gathering and 'http-equiv="refresh"' in gathering

    run.status = ReportStatus.queued
    db.session.commit()
    report_jobs.run_report(run_id)
    done = client.get(f"/coordinate/reports/{run_id}")
    html = done.get_data(as_text=True)
    assert "Refresh" not in done.headers and 'http-equiv="refresh"' not in html
    assert 'data-status="done"' in html and f"/coordinate/reports/{run_id}.pdf" in html
    assert f'<dd class="col-sm-9" data-pages>{fresh(run_id, db).page_count}</dd>' in html

    pdf = client.get(f"/coordinate/reports/{run_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert str(run_id) in client.get("/coordinate/reports").get_data(as_text=True)


def test_posting_again_on_unchanged_data_goes_to_the_stored_run(client, db, make_org, staff):
    organisation = make_org()
    data = {
        "report": "signatory",
        "signatory_organisation": str(organisation.id),
        "signatory_audience": "public",
    }
    first = client.post("/coordinate/reports", data=data)
    second = client.post("/coordinate/reports", data=data, follow_redirects=True)
    assert first.headers["Location"].endswith(second.request.path)
    assert "has not changed" in second.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"report": "signatory"}, "Choose the organisation."),
        ({"report": "signatory", "signatory_organisation": "999999"}, "Not a valid choice"),
        ({"report": "nonsense"}, "Not a valid choice"),
        (
            {"report": "grf", "grf_pledge": "all", "grf_as_of": "2999-01-01"},
            "Choose today or a day before",
        ),
    ],
)
def test_bad_parameters_show_the_form_again(client, db, staff, data, message):
    response = client.post("/coordinate/reports", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and 'name="report"' in html
    # The page speaks the page's words, never the report modules' parameter names.
    assert "slug" not in html and "parameter" not in html.lower()
    assert db.session.query(ReportRun).count() == 0


def test_stakeholders_get_403(client, db, make_org, make_user, login_as):
    run = request_signatory(db, make_org())
    login_as(make_user(role=Role.stakeholder))
    assert client.get("/coordinate/reports").status_code == 403
    assert client.post("/coordinate/reports", data={"report": "signatory"}).status_code == 403
    assert client.get(f"/coordinate/reports/{run.id}").status_code == 403
    assert client.get(f"/coordinate/reports/{run.id}.pdf").status_code == 403
    assert ">Reports</a>" not in client.get("/pledges").get_data(as_text=True)


def test_coordinators_see_reports_in_the_menu(client, staff):
    assert ">Reports</a>" in client.get("/pledges").get_data(as_text=True)


def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["registry", "report", *args])


def test_the_cli_writes_the_pdf_and_then_uses_the_cache(app, db, make_org, tmp_path):
    organisation = make_org()
    out = tmp_path / "signatory.pdf"
    result = run_cli(app, "signatory", "--organisation", str(organisation.id), "--out", str(out))
    assert result.exit_code == 0, result.output
    pages = len(PdfReader(out).pages)
    assert f"Wrote {pages} page{'' if pages == 1 else 's'} to {out} in " in result.output
    assert "cached" not in result.output

    again = run_cli(app, "signatory", "--organisation", str(organisation.id), "--out", str(out))
    assert again.exit_code == 0 and again.output.strip().endswith("s (cached).")
    assert db.session.query(ReportRun).count() == 1


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["signatory", "--out", "x.pdf"], "The parameter 'organisation' is required."),
        (["signatory", "--organisation", "1"], "--out FILE.pdf is required"),
        (["bogus", "--out", "x.pdf"], "Unknown report 'bogus'"),
        (["grf", "--pledge", "nope", "--out", "x.pdf"], "no pledge 'nope'"),
        (["grf", "--pledge", "all", "--as-of", "31/03/2027", "--out", "x.pdf"], "YYYY-MM-DD"),
    ],
)
def test_the_cli_refuses_bad_parameters_in_one_line(app, db, args, reason):
    if args[0] in report_jobs.KINDS:
        pytest.importorskip(f"registry.reports.{args[0]}")
    result = run_cli(app, *args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0]


def test_the_cli_writes_the_report_in_the_commands_language(app, db, make_org, tmp_path):
    """A report's language is --language, else the command's (registry --lang): the reasons
    too are in that language."""
    organisation = make_org()
    args = ["signatory", "--organisation", str(organisation.id), "--out", str(tmp_path / "r.pdf")]
    refused = app.test_cli_runner().invoke(
        args=["registry", "--lang", "fr", "report", "grf", "--pledge", "nope", "--out", "x.pdf"]
    )
    assert refused.exit_code == 1
    assert refused.output == "Erreur : Aucun engagement n’a l’identifiant 'nope'.\n"
    arabic = app.test_cli_runner().invoke(args=["registry", "--lang", "ar", "report", *args])
    assert arabic.exit_code == 0, arabic.output
    assert arabic.output.startswith("كُتبت")  # "Wrote … pages", in Arabic
    spanish = app.test_cli_runner().invoke(
        args=["registry", "--lang", "ar", "report", *args, "--language", "es"]
    )
    assert spanish.exit_code == 0, spanish.output
    runs = db.session.scalars(select(ReportRun).order_by(ReportRun.id)).all()
    assert [run.parameters.get("language") for run in runs] == ["ar", "es"]


def test_the_cli_exits_1_when_the_render_fails(app, db, make_org, tmp_path, monkeypatch):
    def broken(params):
        raise RuntimeError("no data today")

    monkeypatch.setattr(signatory, "gather", broken)
    out = tmp_path / "r.pdf"
    result = run_cli(app, "signatory", "--organisation", str(make_org().id), "--out", str(out))
    assert result.exit_code == 1
    assert result.output.strip() == "Error: the report failed: RuntimeError: no data today"
    assert not out.exists()


def test_a_second_click_follows_the_run_in_progress(client, db, make_org, staff, no_worker):
    data = {"report": "signatory", "signatory_organisation": str(make_org().id)}
    first = client.post("/coordinate/reports", data=data).headers["Location"]
    second = client.post("/coordinate/reports", data=data).headers["Location"]
    assert first == second and len(no_worker) == 1
    assert db.session.query(ReportRun).count() == 1


def test_a_run_whose_worker_died_shows_as_failed_and_a_new_click_starts_again(
    client, db, make_org, staff, no_worker
):
    data = {"report": "signatory", "signatory_organisation": str(make_org().id)}
    first = client.post("/coordinate/reports", data=data).headers["Location"]
    run_id = int(first.rsplit("/", 1)[1])
    # Its worker started rendering 31 minutes ago and died (a restart): nothing will finish it.
    run = fresh(run_id, db)
    run.status = ReportStatus.rendering
    run.started_at = run.created_at = utcnow() - timedelta(minutes=31)
    db.session.commit()

    page = client.get(first)
    html = page.get_data(as_text=True)
    assert "Refresh" not in page.headers and 'http-equiv="refresh"' not in html
    assert 'data-status="failed"' in html
    assert "The report worker stopped before finishing" in html
    assert fresh(run_id, db).status is ReportStatus.failed

    second = client.post("/coordinate/reports", data=data).headers["Location"]
    assert second != first and len(no_worker) == 2
    assert fresh(int(second.rsplit("/", 1)[1]), db).status is ReportStatus.queued


def test_a_run_still_within_the_job_timeout_is_left_alone(db, make_org, no_worker):
    run = request_signatory(db, make_org())
    run.status = ReportStatus.rendering
    run.started_at = utcnow() - timedelta(minutes=29)
    run.created_at = utcnow() - timedelta(hours=2)  # queued long, started recently
    db.session.commit()
    assert report_jobs.fail_lost_runs() == 0
    assert fresh(run.id, db).status is ReportStatus.rendering


def test_finished_runs_are_never_marked_lost(db, make_org, no_worker):
    organisation = make_org()
    done = request_signatory(db, organisation)
    report_jobs.run_report(done.id)
    failed = request_signatory(db, organisation, audience="internal")
    done = fresh(done.id, db)
    assert done.status is ReportStatus.done
    failed.status, failed.error = ReportStatus.failed, "ValueError: boom"
    for run in (done, failed):
        run.started_at = run.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert report_jobs.fail_lost_runs() == 0
    assert fresh(done.id, db).status is ReportStatus.done and fresh(done.id, db).error is None
    assert fresh(failed.id, db).error == "ValueError: boom"

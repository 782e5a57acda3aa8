"""Report jobs on a real Redis with a real RQ worker (as with REDIS_URL in a scaled deployment).

Skipped unless TEST_REDIS_URL points at a Redis the test may use (CI starts one: `.ci/run`).
"""

from __future__ import annotations

import uuid
from io import BytesIO

import pytest
from pypdf import PdfReader

from registry import jobs
from registry.models import ReportRun, ReportStatus, Role
from tests.conftest import test_redis_url
from tests.reports.test_reports_grf import dataset  # noqa: F401 (a fixture)

REDIS_URL = test_redis_url()
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")


@pytest.fixture
def rq_queue(app, database_url, monkeypatch):
    """JOBS_MODE "rq" into a queue of this test's own; worker apps use the test database."""
    from redis import Redis
    from rq import Queue

    name = f"registry-test-{uuid.uuid4().hex}"
    connection = Redis.from_url(REDIS_URL)
    queue = Queue(name, connection=connection)
    monkeypatch.setitem(app.config, "JOBS_MODE", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setattr(jobs, "queue", lambda name="default": queue)
    # The worker builds its app from the environment, as `rq worker` does (app.run_job).
    import app as worker_entry

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(worker_entry, "_worker_app", None)
    yield queue
    queue.delete(delete_jobs=True)
    connection.close()


def work(queue) -> None:
    """Process every job in the queue with a real RQ worker, in this process."""
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_an_rq_worker_renders_the_report(db, make_org, rq_queue):
    from registry.reports.jobs import request_report

    organisation = make_org(name="Kakuma Community Radio")
    run = request_report("signatory", {"organisation": organisation.id}, None)
    db.session.commit()
    assert rq_queue.count == 1  # enqueued after the commit, not run yet
    job = rq_queue.jobs[0]
    assert job.func_name == "app.run_job"  # the worker entry, by name: nothing imports `app`
    assert job.args == ("registry.reports.jobs:run_report", run.id)
    db.session.expire_all()
    assert db.session.get(ReportRun, run.id).status is ReportStatus.queued

    work(rq_queue)

    assert job.get_status(refresh=True) == "finished"
    db.session.expire_all()
    run = db.session.get(ReportRun, run.id)
    assert run.status is ReportStatus.done, run.error
    reader = PdfReader(BytesIO(run.pdf))
    assert len(reader.pages) == run.page_count >= 1
    assert "Kakuma Community Radio" in "".join(page.extract_text() for page in reader.pages)


def test_the_page_enqueues_on_rq_and_shows_the_result(
    client, db, make_org, make_user, login_as, rq_queue
):
    login_as(make_user(role=Role.coordinator))
    organisation = make_org()
    response = client.post(
        "/coordinate/reports",
        data={"report": "signatory", "signatory_organisation": str(organisation.id)},
    )
    detail = response.headers["Location"]
    assert 'data-status="queued"' in client.get(detail).get_data(as_text=True)
    assert rq_queue.count == 1

    work(rq_queue)

    html = client.get(detail).get_data(as_text=True)
    assert 'data-status="done"' in html and 'http-equiv="refresh"' not in html
    assert client.get(detail + ".pdf").data.startswith(b"%PDF")


def test_the_grf_report_fans_out_one_job_per_chunk_and_a_merge_job(
    app,
    db,
    dataset,  # noqa: F811
    rq_queue,
    tmp_path,
    monkeypatch,  # noqa: F811
):
    """With RQ, the report job enqueues one job per chunk the cache lacks and a final merge
    job that waits for them; real workers render and merge, and the PDF is one tagged whole."""
    from registry.reports import grf
    from registry.reports.jobs import CHUNK_JOB, FINISH_JOB, request_report, run_report
    from tests.reports.test_report_chunks import structure_problems

    monkeypatch.setattr(grf, "ANNEX_CHUNK_ITEMS", 2)
    # The report job's app, and the workers' (built from the environment), share the cache
    # folder as processes on one host would; other hosts find chunks through Redis.
    monkeypatch.setitem(app.config, "REPORT_CHUNK_CACHE_DIR", str(tmp_path / "chunks"))
    monkeypatch.setenv("REPORT_CHUNK_CACHE_DIR", str(tmp_path / "worker-chunks"))
    monkeypatch.setenv("REPORT_RENDER_PROCESSES", "0")
    run = request_report("grf", {"pledge": dataset["pledge"].slug}, None, enqueue=False)
    db.session.commit()

    run_report(run.id)  # as a worker runs it: gathers, then fans out

    queued = [job.args[0] for job in rq_queue.jobs]
    chunk_jobs = queued.count(CHUNK_JOB)
    assert chunk_jobs > 5 and set(queued) == {CHUNK_JOB}
    (deferred,) = rq_queue.deferred_job_registry.get_job_ids()  # the merge job waits for them
    assert rq_queue.fetch_job(deferred).args[:2] == (FINISH_JOB, run.id)
    db.session.expire_all()
    assert db.session.get(ReportRun, run.id).status is ReportStatus.rendering

    work(rq_queue)

    db.session.expire_all()
    run = db.session.get(ReportRun, run.id)
    assert run.status is ReportStatus.done, run.error
    assert run.timings["chunk_jobs"] == chunk_jobs
    assert run.timings["chunks_rendered"] == 2  # the contents and the page numbers, after
    assert structure_problems(run.pdf) == []
    pages = [page.extract_text() for page in PdfReader(BytesIO(run.pdf)).pages]
    assert len(pages) == run.page_count
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert "Methodology" in pages[-1]


def test_the_report_command_renders_in_its_own_process_even_with_rq(
    app,
    db,
    dataset,  # noqa: F811
    rq_queue,
    tmp_path,
    monkeypatch,
):
    """`flask registry report` (run_report in_process) fans nothing out, whatever the mode."""
    from registry.reports.jobs import request_report, run_report

    monkeypatch.setitem(app.config, "REPORT_CHUNK_CACHE_DIR", str(tmp_path / "chunks"))
    run = request_report("grf", {"pledge": dataset["pledge"].slug}, None, enqueue=False)
    db.session.commit()
    run_report(run.id, in_process=True)
    assert rq_queue.count == 0
    db.session.expire_all()
    run = db.session.get(ReportRun, run.id)
    assert run.status is ReportStatus.done, run.error
    assert run.timings["chunks_rendered"] > 5

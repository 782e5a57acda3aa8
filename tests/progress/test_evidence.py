"""Evidence files with progress updates: types checked by content (an HTML page named .pdf, a
zip bomb, a file over the limit are refused on the re-rendered form, nothing half-written),
stored outside the web root (a folder, or an S3-compatible bucket: a real moto server on
loopback), downloaded only by those who may see the update, public only when a coordinator
publishes it and never for an organisation that is not public."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import requests
from openpyxl import Workbook
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import func, select, text

from registry import evidence
from registry.audit import acting_as
from registry.models import (
    AuditEvent,
    EvidenceFile,
    ReviewState,
    Role,
    Visibility,
    WindowKind,
)
from registry.pledges import operations as pledge_ops
from registry.progress import operations as progress_ops
from tests.conftest import PASSWORD, ROOT
from tests.progress.test_progress import REPORT, UPDATE, _signatory, _update

pytestmark = pytest.mark.usefixtures("evidence_dir")


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["district", "sessions"])
    workbook.active.append(["Kakuma", 12])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], first_stored: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first_stored:
            archive.writestr(first_stored, members.pop(first_stored), zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            "word/document.xml": b'<?xml version="1.0"?><w:document><w:body/></w:document>',
        }
    )


def odt_bytes() -> bytes:
    return zip_bytes(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b'<?xml version="1.0"?><office:document-content/>',
            "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest/>',
        },
        first_stored="mimetype",
    )


def bomb_bytes() -> bytes:
    """A .docx whose document unpacks from about 50 kB to 50 MB."""
    return zip_bytes(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "word/document.xml": b"\0" * (50 * 1024 * 1024),
        }
    )


GOOD = {
    "report.pdf": ("application/pdf", pdf_bytes),
    "photo.png": ("image/png", lambda: image_bytes("PNG")),
    "photo.jpeg": ("image/jpeg", lambda: image_bytes("JPEG")),
    "photo.webp": ("image/webp", lambda: image_bytes("WEBP")),
    "minutes.docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docx_bytes,
    ),
    "figures.xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        xlsx_bytes,
    ),
    "notes.odt": ("application/vnd.oasis.opendocument.text", odt_bytes),
    "sessions.csv": ("text/csv", lambda: b"district,sessions\nKakuma,12\n"),
}


@pytest.fixture
def window(db, pledge):
    with acting_as(label="test"):
        opened = pledge_ops.open_window(pledge, WindowKind.progress, label="HLOM 2025 review")
        db.session.commit()
    return opened


@pytest.fixture
def reporter(db, pledge, make_org, make_user, window):
    return _signatory(db, pledge, make_org, make_user, "Tech Co", ["Moderation", "Literacy"])


def _post(client, commitment, filename, data, **fields):
    return client.post(
        f"{REPORT}/commitments/{commitment.id}",
        data=UPDATE
        | {"submit_update": "y", "evidence_file": (io.BytesIO(data), filename)}
        | fields,
        content_type="multipart/form-data",
    )


def _stored_files(app) -> list[Path]:
    root = Path(app.config["EVIDENCE_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _files(db) -> list[EvidenceFile]:
    db.session.expire_all()
    return list(db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))


@pytest.mark.parametrize("filename", sorted(GOOD))
def test_each_kept_type_is_stored_outside_the_web_root_and_downloaded_as_an_attachment(
    app, client, db, reporter, window, login_as, filename
):
    user, signature = reporter
    content_type, make = GOOD[filename]
    data = make()
    login_as(user)
    response = _post(client, signature.commitments[0], filename, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    [kept] = _files(db)
    assert kept.content_type == content_type and kept.size == len(data)
    assert kept.progress_update_id == _update(db, signature.commitments[0], window).id
    [path] = [p for p in _stored_files(app) if p.name == kept.storage_key]
    assert path.read_bytes() == data
    assert ROOT / "static" not in path.parents
    assert filename.rsplit(".")[0] not in str(path)  # stored under a random name
    download = client.get(f"/evidence/{kept.id}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == content_type


def test_an_html_page_named_pdf_is_refused_with_the_input_kept(
    app, client, db, reporter, window, login_as
):
    user, signature = reporter
    login_as(user)
    page = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    response = _post(
        client, signature.commitments[0], "report.pdf", page, achievements="Trained 41 people"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "its content was checked, not its name" in html
    assert "choose the file again" in html
    assert "Trained 41 people" in html  # the input is kept
    assert _update(db, signature.commitments[0], window) is None  # nothing half-written
    assert _files(db) == [] and _stored_files(app) == []


@pytest.mark.parametrize(
    ("filename", "make", "message"),
    [
        ("minutes.docx", bomb_bytes, "zip bomb"),
        ("minutes.docx", lambda: b"PK\x03\x04 not really a zip", "is not a Word"),
        ("minutes.docx", lambda: zip_bytes({"word/document.xml": b"<x/>"}), "is not a Word"),
        ("page.csv", lambda: b"<html><body>hi</body></html>", "its content was checked"),
        ("script.exe", lambda: b"MZ\x90\x00\x03\x00\x00\x00", "its content was checked"),
        ("empty.pdf", lambda: b"", "The file is empty."),
    ],
    ids=["zip-bomb", "broken-zip", "zip-not-office", "html-as-csv", "executable", "empty"],
)
def test_bad_files_are_refused_and_nothing_is_written(
    app, client, db, reporter, window, login_as, filename, make, message
):
    user, signature = reporter
    login_as(user)
    response = _post(client, signature.commitments[0], filename, make())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert _update(db, signature.commitments[0], window) is None
    assert _files(db) == [] and _stored_files(app) == []


def test_a_file_over_the_limit_is_refused(app, client, db, reporter, window, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_EVIDENCE_MB", 1)
    user, signature = reporter
    login_as(user)
    big = pdf_bytes() + b"%" + b"0" * (1024 * 1024)
    response = _post(client, signature.commitments[0], "big.pdf", big)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "larger than 1 MB" in html
    assert _update(db, signature.commitments[0], window) is None
    assert _files(db) == [] and _stored_files(app) == []
    assert client.get(f"{REPORT}/commitments/{signature.commitments[0].id}").status_code == 200


@pytest.fixture
def refusing_database(db):
    """The database refuses every evidence row (a trigger standing for a full disk or a lost
    connection at the worst moment: after the file is stored, before the commit)."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(
            text(
                "CREATE FUNCTION refuse_evidence() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk full' USING ERRCODE = '23000'; END $$ LANGUAGE plpgsql"
            )
        )
        db.session.execute(
            text(
                "CREATE TRIGGER refuse_evidence BEFORE INSERT ON evidence_files "
                "FOR EACH ROW EXECUTE FUNCTION refuse_evidence()"
            )
        )
    else:
        db.session.execute(
            text(
                "CREATE TRIGGER refuse_evidence BEFORE INSERT ON evidence_files "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        )
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(
        text("DROP TRIGGER refuse_evidence" + (" ON evidence_files" if postgres else ""))
    )
    if postgres:
        db.session.execute(text("DROP FUNCTION refuse_evidence()"))
    db.session.commit()


def test_no_file_is_left_behind_when_the_database_refuses_the_row(
    app, client, db, reporter, window, login_as, refusing_database
):
    user, signature = reporter
    login_as(user)
    response = _post(client, signature.commitments[0], "report.pdf", pdf_bytes())
    assert response.status_code == 200
    assert "Your text is below and was not saved" in response.get_data(as_text=True)
    assert _update(db, signature.commitments[0], window) is None
    assert _files(db) == [] and _stored_files(app) == []


def _uploaded(client, login_as, user, commitment, filename="report.pdf"):
    login_as(user)
    assert _post(client, commitment, filename, pdf_bytes()).status_code == 302


def test_downloads_only_for_those_who_may_see_the_update(
    app, client, db, pledge, reporter, window, login_as, make_org, make_user
):
    user, signature = reporter
    _uploaded(client, login_as, user, signature.commitments[0])
    [kept] = _files(db)
    other = make_user(role=Role.stakeholder, organisation=make_org(name="Radio Vox"))
    for who, expected in (
        (other, 404),
        (make_user(role=Role.coordinator), 200),
        (make_user(role=Role.admin), 200),
    ):
        browser = app.test_client()
        browser.post("/account/login", data={"email": who.email, "password": PASSWORD})
        assert browser.get(f"/evidence/{kept.id}").status_code == expected, who.role
    anonymous = app.test_client().get(f"/evidence/{kept.id}")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    assert app.test_client().get(f"/evidence/{kept.id + 1000}").status_code == 302


def _verify(db, commitment, window, coordinator):
    update = _update(db, commitment, window)
    with acting_as(coordinator):
        progress_ops.verify_progress_update(update, coordinator)
        db.session.commit()
    return update


def test_public_only_when_a_coordinator_publishes_it_and_never_for_a_protected_organisation(
    app, client, db, reporter, window, login_as, make_user
):
    user, signature = reporter
    commitment = signature.commitments[0]
    _uploaded(client, login_as, user, commitment, "kakuma-sessions.pdf")
    [kept] = _files(db)
    page_url = f"/commitments/{commitment.id}"
    public_url = f"/commitments/{commitment.id}/evidence/{kept.id}"
    coordinator = make_user(role=Role.coordinator)
    _verify(db, commitment, window, coordinator)
    visitor = app.test_client()
    assert "kakuma-sessions.pdf" not in visitor.get(page_url).get_data(as_text=True)
    assert visitor.get(public_url).status_code == 404  # verified, but not published

    staff = app.test_client()
    staff.post("/account/login", data={"email": coordinator.email, "password": PASSWORD})
    queue = staff.get("/coordinate/progress?status=verified").get_data(as_text=True)
    assert "kakuma-sessions.pdf" in queue
    response = staff.post(f"/coordinate/progress/evidence/{kept.id}/public", data={"public": "1"})
    assert response.status_code == 302
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.entity_type == "EvidenceFile", AuditEvent.action == "update"
            )
        )
        == 1
    )
    page = visitor.get(page_url).get_data(as_text=True)
    assert "kakuma-sessions.pdf" in page
    download = visitor.get(public_url)
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # The file's id on another commitment's address: 404.
    assert visitor.get(f"/commitments/{commitment.id + 1}/evidence/{kept.id}").status_code == 404

    # The organisation becomes anonymised: its files are withheld whatever was ticked.
    with acting_as(label="test"):
        organisation = signature.organisation
        db.session.add(organisation)
        organisation.visibility = Visibility.anonymised
        db.session.commit()
    assert db.session.get(EvidenceFile, kept.id).is_public
    assert "kakuma-sessions.pdf" not in visitor.get(page_url).get_data(as_text=True)
    assert visitor.get(public_url).status_code == 404
    queue = staff.get("/coordinate/progress?status=verified").get_data(as_text=True)
    assert "its files are never published" in queue


def test_a_submitted_update_is_never_public_even_when_its_file_is_published(
    app, client, db, reporter, window, login_as
):
    user, signature = reporter
    commitment = signature.commitments[0]
    _uploaded(client, login_as, user, commitment)
    [kept] = _files(db)
    with acting_as(label="test"):
        progress_ops.set_evidence_public(db.session.get(EvidenceFile, kept.id), True)
        db.session.commit()
    assert _update(db, commitment, window).review_state is ReviewState.submitted
    visitor = app.test_client()
    url = f"/commitments/{commitment.id}/evidence/{kept.id}"
    assert visitor.get(url).status_code == 404


def test_safe_names_keep_letters_of_every_script_and_lose_paths_and_quotes():
    assert evidence.safe_filename('../../etc/"passwd".pdf', "application/pdf") == "passwd.pdf"
    assert evidence.safe_filename("تقرير المشروع.pdf", "application/pdf") == "تقرير المشروع.pdf"
    # The extension follows the content: a PNG named .pdf is kept as a .png.
    assert evidence.safe_filename("scan.pdf", "image/png") == "scan.png"
    assert evidence.safe_filename("\x00\x1f", "text/csv") == "evidence.csv"


def test_the_download_name_is_sent_safely(app, client, db, reporter, window, login_as):
    user, signature = reporter
    _uploaded(client, login_as, user, signature.commitments[0], 'تقرير "final";.pdf')
    [kept] = _files(db)
    disposition = client.get(f"/evidence/{kept.id}").headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert '"final"' not in disposition and "filename*=UTF-8''" in disposition


@pytest.fixture
def moto_s3(app, monkeypatch):
    """A real S3-compatible server (moto) on loopback, with a bucket, and the app using it."""
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its buckets in the process, whatever the server: start from none.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="registry-evidence")
    for key, value in (
        ("EVIDENCE_S3_BUCKET", "registry-evidence"),
        ("EVIDENCE_S3_ENDPOINT_URL", endpoint),
        ("EVIDENCE_S3_REGION", "us-east-1"),
    ):
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.delitem(app.extensions, "evidence_store", raising=False)
    yield client
    app.extensions.pop("evidence_store", None)
    server.stop()


def _objects(s3) -> list[str]:
    listed = s3.list_objects_v2(Bucket="registry-evidence")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_evidence_in_an_s3_compatible_bucket(app, client, db, reporter, window, login_as, moto_s3):
    user, signature = reporter
    data = pdf_bytes()
    login_as(user)
    assert _post(client, signature.commitments[0], "report.pdf", data).status_code == 302
    [kept] = _files(db)
    assert _objects(moto_s3) == [f"evidence/{kept.storage_key}"]
    assert _stored_files(app) == []  # nothing on the server's disk
    download = client.get(f"/evidence/{kept.id}")
    assert download.status_code == 200 and download.data == data


def test_no_object_is_left_in_the_bucket_when_the_database_refuses_the_row(
    app, client, db, reporter, window, login_as, moto_s3, refusing_database
):
    user, signature = reporter
    login_as(user)
    response = _post(client, signature.commitments[0], "report.pdf", pdf_bytes())
    assert response.status_code == 200
    assert _files(db) == [] and _objects(moto_s3) == []


def test_the_reporter_removes_a_file_while_the_update_can_change(
    app, client, db, reporter, window, login_as, make_user
):
    user, signature = reporter
    commitment = signature.commitments[0]
    _uploaded(client, login_as, user, commitment)
    [kept] = _files(db)
    page = client.get(f"{REPORT}/commitments/{commitment.id}").get_data(as_text=True)
    assert "report.pdf" in page and "Remove" in page
    # Another organisation cannot remove it (404), nor learn it exists.
    other = make_user(role=Role.stakeholder)
    browser = app.test_client()
    browser.post("/account/login", data={"email": other.email, "password": PASSWORD})
    assert browser.post(f"{REPORT}/evidence/{kept.id}/remove").status_code == 404
    assert len(_files(db)) == 1 and len(_stored_files(app)) == 1
    response = client.post(f"{REPORT}/evidence/{kept.id}/remove")
    assert response.status_code == 302
    assert _files(db) == [] and _stored_files(app) == []
    # Once verified, a file stays.
    _uploaded(client, login_as, user, commitment)
    _verify(db, commitment, window, make_user(role=Role.coordinator))
    [kept] = _files(db)
    client.post(f"{REPORT}/evidence/{kept.id}/remove")
    assert len(_files(db)) == 1 and len(_stored_files(app)) == 1


def test_a_file_is_removed_only_through_its_own_pledges_open_window(
    app, client, db, reporter, window, login_as
):
    """Another pledge's open window does not open this one's files: the removal answers 404
    and the file stays, once the file's own window has closed."""
    from datetime import timedelta

    from registry.models import Pledge, utcnow

    user, signature = reporter
    commitment = signature.commitments[0]
    _uploaded(client, login_as, user, commitment)
    [kept] = _files(db)
    with acting_as(label="test"):
        window.closes_at = utcnow() - timedelta(minutes=1)
        other = Pledge(title="Other pledge", slug="other-pledge", summary="s")
        db.session.add(other)
        db.session.commit()
        pledge_ops.open_window(other, WindowKind.progress, label="Other cycle")
        db.session.commit()
    response = client.post(f"/report/other-pledge/evidence/{kept.id}/remove")
    assert response.status_code == 404
    assert len(_files(db)) == 1 and len(_stored_files(app)) == 1
    client.post(f"{REPORT}/evidence/{kept.id}/remove")
    assert len(_files(db)) == 1 and len(_stored_files(app)) == 1

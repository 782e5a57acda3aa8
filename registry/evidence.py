"""Evidence files of progress updates: what a file is (read from its bytes, never its name),
a safe name for it, and where its bytes are kept (outside the web root).

Accepted: PDF, PNG, JPEG and WebP images, Word, Excel and PowerPoint files (docx, xlsx, pptx),
OpenDocument text and spreadsheets (odt, ods), and CSV. The office files are zip archives: their
members must be those of the format, and the archive is unpacked (into nothing) with a budget,
so a zip bomb is refused before it can fill a disk or a memory.

Storage: a folder (`EVIDENCE_DIR`, by default `evidence/` in the instance folder), or an
S3-compatible bucket (`EVIDENCE_S3_BUCKET`, with `EVIDENCE_S3_ENDPOINT_URL` for a store other
than AWS). A file is written before its row is committed; if the transaction rolls back, the file
is deleted again (`stage`), so no file is left without its row.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from zlib import error as zlib_error

from flask import abort, current_app, send_file
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

#: An office file may unpack to at most MAX_RATIO times its size and MAX_UNPACKED_BYTES in
#: all, and no member to more than MAX_RATIO times its packed size (ordinary documents stay far
#: below: XML packs 5 to 20 times).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 5000
_CHUNK = 64 * 1024

#: content type -> the file extension the stored name gets
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "text/csv": "csv",
}
#: Office Open XML: the member that makes a zip a document of each kind.
_OOXML = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
_OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}


class EvidenceRefused(ValueError):
    """An upload the registry does not keep, with the reason in the form's words."""


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks: its bytes, its safe name and its real type."""

    data: bytes
    filename: str
    content_type: str

    @property
    def size(self) -> int:
        """Its size in bytes."""
        return len(self.data)


def max_bytes() -> int:
    """The largest evidence file, in bytes (`MAX_EVIDENCE_MB`)."""
    return int(current_app.config["MAX_EVIDENCE_MB"] * 1024 * 1024)


def allowed_types_in_words() -> str:
    """What may be uploaded, for the form's help text and its refusals."""
    return _("PDF, PNG, JPEG or WebP images, Word, Excel, PowerPoint, OpenDocument or CSV files")


def check_upload(stream, filename: str | None, limit: int | None = None) -> CheckedFile:
    """Read an upload (at most `limit` bytes and one more) and check it: size, real type; the
    refusal says why (EvidenceRefused)."""
    limit = max_bytes() if limit is None else limit
    data = stream.read(limit + 1)
    if not data:
        raise EvidenceRefused(_("The file is empty."))
    if len(data) > limit:
        raise EvidenceRefused(
            _(
                "The file is larger than %(mb)s MB: make it smaller or share a link instead.",
                mb=f"{limit / 1024 / 1024:g}",
            )
        )
    content_type = detect_type(data, filename or "")
    return CheckedFile(data, safe_filename(filename or "", content_type), content_type)


def detect_type(data: bytes, filename: str) -> str:
    """The content type of `data`, read from its bytes; EvidenceRefused when it is not one
    the registry keeps (an HTML page named `.pdf` is refused)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    if filename.lower().endswith(".csv") and _is_csv_text(data):
        return "text/csv"
    raise EvidenceRefused(
        _(
            "This file is not one the registry keeps (its content was checked, not its name): "
            "upload %(types)s.",
            types=allowed_types_in_words(),
        )
    )


def _is_csv_text(data: bytes) -> bool:
    """UTF-8 text with no NUL byte that does not open like markup (HTML, SVG, XML)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text and not text.lstrip().startswith("<")


def _office_type(data: bytes) -> str:
    """The type of an office file (a zip), after unpacking it within the budget."""
    not_office = EvidenceRefused(
        _("This archive is not a Word, Excel, PowerPoint or OpenDocument file.")
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_office from None
    _check_unpacked_size(archive, members, len(data))
    names = {member.filename for member in members}
    if "[Content_Types].xml" in names:
        for part, content_type in _OOXML.items():
            if part in names:
                return content_type
    if members and members[0].filename == "mimetype":
        declared = archive.read(members[0]).decode("ascii", "replace").strip()
        if declared in _OPENDOCUMENT and "content.xml" in names:
            return declared
    raise not_office


def _bomb() -> EvidenceRefused:
    return EvidenceRefused(
        _(
            "This file unpacks to far more than its size (a “zip bomb”): it was refused. Save "
            "it again from the office program, or export it as PDF."
        )
    )


def _check_unpacked_size(archive: zipfile.ZipFile, members, packed_size: int) -> None:
    """Unpack every member into nothing, counting: refuse too many members, too much in all,
    or a member that grows more than MAX_RATIO times (whatever the headers claim)."""
    if len(members) > MAX_MEMBERS:
        raise _bomb()
    budget = min(MAX_UNPACKED_BYTES, max(packed_size, 1) * MAX_RATIO)
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise EvidenceRefused(_("This file is protected with a password: upload it without."))
        allowed = max(member.compress_size, 1) * MAX_RATIO
        size = 0
        for chunk in _chunks(archive, member):
            size += len(chunk)
            total += len(chunk)
            if size > allowed or total > budget:
                raise _bomb()


def _chunks(archive: zipfile.ZipFile, member):
    """The unpacked bytes of one member, a chunk at a time; a damaged archive is refused."""
    try:
        with archive.open(member) as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, NotImplementedError, EOFError, zlib_error):
        raise EvidenceRefused(
            _("This archive is damaged: save it again from the office program.")
        ) from None


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')


def safe_filename(filename: str, content_type: str) -> str:
    """The upload's name without a folder, control or quoting characters (letters of every
    script kept), at most 100 characters, ending in the extension of its real type."""
    name = unicodedata.normalize("NFKC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" ._")[:90] or "evidence"
    return f"{stem}.{EXTENSIONS[content_type]}"


# --- storage ---------------------------------------------------------------------------------

_KEY = re.compile(r"[0-9a-f]{32}")


def new_key() -> str:
    """A random name for stored bytes (never derived from the upload's name)."""
    return secrets.token_hex(16)


def _checked_key(key: str) -> str:
    if not _KEY.fullmatch(key or ""):
        raise ValueError("not an evidence storage key")
    return key


class FolderStore:
    """Evidence in a folder of the server's disk, outside the web root."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = _checked_key(key)
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file whole or not at all (a temporary file renamed into place)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as fh:
                fh.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """The stored bytes (FileNotFoundError if they are gone)."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the stored bytes (nothing if they are gone already)."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether bytes are stored under `key`."""
        return self._path(key).is_file()


class S3Store:
    """Evidence in a bucket of an S3-compatible store (AWS S3, MinIO, Ceph …), via boto3;
    credentials come from boto3's usual places (AWS_ACCESS_KEY_ID … or an instance role)."""

    def __init__(self, bucket: str, endpoint_url: str | None, region: str | None, prefix: str):
        import boto3  # only a deployment with a bucket needs it loaded

        self.bucket, self.prefix = bucket, prefix
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def _key(self, key: str) -> str:
        return f"{self.prefix}{_checked_key(key)}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload the bytes (one request: S3 stores an object whole or not at all)."""
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        """The stored bytes (FileNotFoundError if they are gone)."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        """Remove the object (S3 answers the same when it is gone already)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.ClientError:
            return False
        return True


def store():
    """The evidence storage of this app (built once from its configuration)."""
    found = current_app.extensions.get("evidence_store")
    if found is None:
        config = current_app.config
        if config.get("EVIDENCE_S3_BUCKET"):
            found = S3Store(
                config["EVIDENCE_S3_BUCKET"],
                config.get("EVIDENCE_S3_ENDPOINT_URL"),
                config.get("EVIDENCE_S3_REGION"),
                config.get("EVIDENCE_S3_PREFIX", "evidence/"),
            )
        else:
            found = FolderStore(config["EVIDENCE_DIR"])
        current_app.extensions["evidence_store"] = found
    return found


# --- files written in a transaction ----------------------------------------------------------

_STAGED = "evidence_staged"


def stage(session: Session, data: bytes, content_type: str) -> str:
    """Write `data` to the storage now and return its key; if the session's transaction rolls
    back instead of committing, the file is deleted again (no file without its row)."""
    key, target = new_key(), store()
    target.put(key, data, content_type)
    session.info.setdefault(_STAGED, []).append((target, key))
    return key


_DOOMED = "evidence_doomed"


def delete_after_commit(session: Session, key: str) -> None:
    """Delete the stored file once the transaction that deletes its row commits (kept if it
    rolls back: no row without its file either)."""
    session.info.setdefault(_DOOMED, []).append((store(), key))


@event.listens_for(Session, "after_commit")
def _keep_staged(session: Session) -> None:
    session.info.pop(_STAGED, None)
    for target, key in session.info.pop(_DOOMED, []):
        target.delete(key)


@event.listens_for(Session, "after_rollback")
def _delete_staged(session: Session) -> None:
    session.info.pop(_DOOMED, None)
    for target, key in session.info.pop(_STAGED, []):
        target.delete(key)


# --- downloads -------------------------------------------------------------------------------


def download(evidence_file, *, public: bool = False):
    """The file as an attachment under its safe name, never rendered by the browser (nosniff,
    a sandbox); 404 when its bytes are gone."""
    try:
        data = store().get(evidence_file.storage_key)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype=evidence_file.content_type,
        as_attachment=True,
        download_name=evidence_file.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response

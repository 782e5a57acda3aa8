"""Open data: every public commitment and signatory as CSV and JSON files, with the same
field names as the API (a nested field is `organisation.name` in CSV), a data dictionary page
describing every column, and `Last-Modified`/`ETag` from the public data's version.

The files are written a batch of rows at a time from the same functions as the API and the
directory, so they hold exactly what the public view shows."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import time
from pathlib import Path

from flask import Blueprint, current_app, render_template, send_file
from flask_babel import force_locale

from registry.disclosure import View
from registry.disclosure.directory import (
    CHOICES,
    CommitmentQuery,
    SignatoryQuery,
    public_commitments,
    public_signatures,
    vocabulary_labels,
)
from registry.disclosure.version import public_version
from registry.policies import public
from registry.web import not_modified, versioned

from . import schemas

bp = Blueprint("opendata", __name__, url_prefix="/open-data")

#: Rows read and written at a time.
BATCH = 500

#: Every column of the files, with what it holds (the API's fields of the same name).
ORGANISATION = {
    "id": "The organisation's id (public organisations only; empty for an anonymised one).",
    "name": "Its name, or for an anonymised organisation a description such as "
    "“A refugee-led organisation in Europe”.",
    "is_named": "Whether `name` is the organisation's name (else a description).",
    "stakeholder_type": "Its stakeholder type (a code, see below).",
    "is_refugee_led": "Whether it is refugee-led.",
    "acronym": "Its acronym (public organisations only).",
    "country": "Its country, ISO 3166 alpha-3 (public organisations only).",
    "region": "Its UNHCR region (a code; empty where too few organisations share it).",
    "website": "Its website (public organisations only).",
    "description": "What it says about itself, as published.",
    "page_url": "Its public page (public organisations only).",
}
UPDATE = {
    "id": "The update's id.",
    "window": "The reporting cycle it reports on.",
    "status": "The status it reported (a code, see below).",
    "progress_percent": "Progress, 0–100; empty when not reported (not 0 %).",
    "actual_value": "The indicator's actual value reported.",
    "achievements": "What was achieved.",
    "challenges": "Challenges met.",
    "next_steps": "What comes next.",
    "evidence_links": "Links to evidence, separated by “; ” in CSV.",
    "links_withheld": "How many links were withheld to protect an organisation.",
}
COMMITMENT = {
    "id": "The commitment's id.",
    "url": "The commitment in the JSON API.",
    "page_url": "The commitment's public page.",
    "pledge": "The pledge's slug.",
    "pledge_title": "The pledge's title.",
    **{f"organisation.{k}": f"The committing organisation: {v}" for k, v in ORGANISATION.items()},
    "title": "What the organisation commits to.",
    "description": "The commitment in its own words (empty until approved for an "
    "anonymised organisation).",
    "key_outcome.id": "The pledge's key outcome it serves: its id.",
    "key_outcome.title": "The key outcome's title.",
    "action_areas": "Action areas, separated by “; ” in CSV.",
    "risks": "Risks addressed, separated by “; ” in CSV.",
    "target_populations": "Target populations, separated by “; ” in CSV.",
    "geographic_level": "Global, regional, national or local.",
    "countries": "Countries, ISO 3166 alpha-3 (public organisations' commitments only).",
    "country_names": "The same countries by name.",
    "regions": "UNHCR regions of the countries (anonymised organisations' commitments, "
    "instead of countries).",
    "languages": "Languages it works in.",
    "start_date": "When it starts (ISO 8601 date).",
    "target_date": "When it should be done (ISO 8601 date).",
    "indicator_text": "Its indicator.",
    "indicator_unit": "The indicator's unit.",
    "indicator_baseline": "The indicator's baseline.",
    "indicator_target": "The indicator's target.",
    "indicator_latest_actual": "The latest verified actual value.",
    "status": "Its current status (a code, see below), from the latest verified update.",
    "progress_percent": "Its current progress, 0–100; empty when none was verified.",
    "co_implementers": "Partner organisations listed (their public names), separated by "
    "“; ” in CSV.",
    "co_implementers_not_listed": "How many partners are not listed.",
    "matches": "Ids of the public commitments it matches or supports, separated by “; ” in CSV.",
    "matched_by": "Ids of the public commitments that match or support it, separated by “; ” "
    "in CSV.",
    "wording_withheld": "Whether the organisation's own words await a coordinator's approval.",
    "created_at": "When it was recorded (ISO 8601, UTC).",
    "updated_at": "When it last changed (ISO 8601, UTC).",
    **{f"latest_update.{k}": f"The latest verified update: {v}" for k, v in UPDATE.items()},
}
SIGNATORY = {
    "id": "The signature's id.",
    "pledge": "The pledge's slug.",
    "pledge_title": "The pledge's title.",
    **{f"organisation.{k}": f"The signatory: {v}" for k, v in ORGANISATION.items()},
    "statement": "Its statement when signing (empty until approved for an anonymised one).",
    "accepted_on": "When the signature was accepted (ISO 8601 date).",
    "wording_withheld": "Whether its own words await a coordinator's approval.",
}

FILES = {
    "commitments": (COMMITMENT, schemas.CommitmentSchema, public_commitments, CommitmentQuery),
    "signatories": (SIGNATORY, schemas.SignatorySchema, public_signatures, SignatoryQuery),
}


def _flat(row: dict, columns) -> dict:
    """A dumped record as one CSV row: nested fields by dotted name, lists joined."""
    values = {}
    for column in columns:
        value = row
        for part in column.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, list):
            value = "; ".join(v["name"] if isinstance(v, dict) else str(v) for v in value)
        values[column] = "" if value is None else value
    return values


def _batches(kind: str):
    """The dumped records of a file, a batch at a time."""
    _columns, schema, rows, query = FILES[kind]
    view, dump, number = View(), schema(many=True).dump, 1
    while True:
        page = rows(view, query(), number, BATCH)
        yield dump(page.rows)
        if number * BATCH >= page.total:
            return
        number += 1


def _csv(kind: str):
    columns = list(FILES[kind][0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for batch in _batches(kind):
        for row in batch:
            writer.writerow(_flat(row, columns))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def _json(kind: str):
    yield '{"data": ['
    first = True
    for batch in _batches(kind):
        for row in batch:
            yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False)
            first = False
    yield "]}\n"


FORMATS = {"csv": (_csv, "text/csv; charset=utf-8"), "json": (_json, "application/json")}


@bp.get("")
@public
def dictionary():
    """The data dictionary: the files, every column and every code."""
    return render_template(
        "opendata/dictionary.html",
        files={kind: spec[0] for kind, spec in FILES.items()},
        choices=CHOICES,
        risks=vocabulary_labels("risk"),
        action_areas=vocabulary_labels("action_area"),
    )


def _file(kind: str, extension: str, etag: str) -> Path:
    """The file of this version, written once (to a temporary name, then renamed, so a reader
    never sees half a file); files of other versions are removed an hour after they were
    written (another worker may still be sending one)."""
    folder = Path(current_app.instance_path) / "open-data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{etag}.{extension}"
    if not path.exists():
        write, _mimetype = FORMATS[extension]
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            for chunk in write(kind):
                out.write(chunk)
        os.replace(temporary, path)
        for old in folder.glob(f"{kind}-*.{extension}"):
            try:
                if old != path and time.time() - old.stat().st_mtime > 3600:
                    old.unlink()
            except FileNotFoundError:
                pass
    return path


@bp.get("/<any(commitments, signatories):kind>.<any(csv, json):extension>")
@public
def download(kind: str, extension: str):
    """One open data file, written once per version of the public data (a batch of rows at
    a time) and then served as it is; 304 when the data has not changed."""
    version = public_version()
    etag = version.etag("open-data", kind, extension)
    if (cached := not_modified(etag, version.modified)) is not None:
        return cached
    # One file for every caller, in English whatever the page's language (codes are the same
    # in every language; a file written in the first caller's language would be served to all).
    with force_locale("en"):
        path = _file(kind, extension, etag)
    response = send_file(
        path,
        mimetype=FORMATS[extension][1],
        as_attachment=True,
        download_name=f"{kind}.{extension}",
        conditional=False,
        etag=False,
        last_modified=version.modified,
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return versioned(response, etag, version.modified)

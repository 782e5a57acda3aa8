"""The JSON API v1 (DESIGN §7): pledges, signatories and commitments, read-only, anonymous
callers see what the public view shows. Built with flask-smorest: the OpenAPI 3.1 document
(`/api/v1/openapi.json`) is generated from these views and their marshmallow schemas, and the
same schemas check every query parameter (an unknown or bad one is a 400 naming it)."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

from flask import Blueprint as FlaskBlueprint
from flask import abort, current_app, g, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_smorest import Api, Blueprint
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date

from registry.disclosure import INTERNAL, View
from registry.disclosure.directory import (
    CommitmentQuery,
    SignatoryQuery,
    public_commitment,
    public_commitments,
    public_signatures,
)
from registry.disclosure.pledges import public_pledge, public_pledges, signatory_counts
from registry.disclosure.version import public_version
from registry.extensions import db, limiter
from registry.kept import Kept
from registry.policies import public
from registry.web import not_modified

from . import operations, queries, schemas


class Parser(FlaskParser):
    """Bad query parameters are a 400 (not webargs' 422), and unknown ones are refused."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION | {
        "query": RAISE,
        "querystring": RAISE,
    }


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = Parser()


class RegistryApi(Api):
    """flask-smorest's Api without its app-wide error handlers (the registry has its own;
    the API blueprint answers its errors in JSON below)."""

    def _register_error_handlers(self):
        pass


#: Calls with a token, per token.
CALLS_A_MINUTE = "300 per minute"

bp = ApiBlueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="The registry's public data: pledges, signatories and commitments.",
)


def init_app(app) -> None:
    """Build the app's API (its OpenAPI document) and register the blueprint."""
    app.config.setdefault("API_TITLE", "Pledge & Partnership Registry API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    api = RegistryApi(
        app,
        spec_kwargs={
            "info": {
                "description": "Read-only, public data of the registry, as its public pages "
                "show it. Protected organisations are described, never named.",
            },
            "servers": [{"url": app.config["BASE_URL"].rstrip("/")}],
        },
    )
    api.register_field(schemas.EnumName, "string", None)
    api.register_field(schemas.Instant, "string", "date-time")
    api.spec.components.security_scheme(
        "token",
        {"type": "http", "scheme": "bearer", "description": "A coordinator's personal token."},
    )
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    app.extensions["registry_api"] = api


def _anonymous() -> bool:
    return "Authorization" not in request.headers


def _token_key() -> str:
    """Rate limits count per token (its hash, never the secret itself)."""
    return hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest()


limiter.limit(CALLS_A_MINUTE, key_func=_token_key, exempt_when=_anonymous)(bp)


@bp.errorhandler(HTTPException)
def _error(exc: HTTPException):
    """Errors in JSON: a refused parameter is named, with why."""
    code = exc.code or 500
    body = {"status": code, "error": exc.description if code == 401 else exc.name}
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if messages:
        errors = {}
        for location in messages.values():
            for name, problems in location.items():
                errors[name] = [
                    str(p) for p in (problems if isinstance(problems, list) else [problems])
                ]
        body["error"] = "Invalid parameter: " + ", ".join(sorted(errors))
        body["errors"] = errors
    headers = {"WWW-Authenticate": 'Bearer realm="registry"'} if code == 401 else {}
    return jsonify(body), code, headers


@bp.after_request
def _cors(response):
    """Any site may read the public API (GET only; no cookies), with a personal token too:
    a preflight (`OPTIONS`) allows the `Authorization` and conditional-request headers."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = (
            "Authorization, If-None-Match, If-Modified-Since, Accept-Language"
        )
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _caller():
    """The token the request presents, or None for an anonymous call; a token that is not
    usable (unknown, revoked, expired, its owner no longer active staff) is a 401."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _space, secret = header.partition(" ")
    token = queries.usable_token(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        abort(401, description="Unknown, revoked or expired token.")
    return token


def _view(token) -> View:
    """The public view, or with an `internal` token what internal reports show."""
    return View(INTERNAL) if token is not None and "internal" in token.scopes else View()


def _with_contacts(token, records) -> None:
    """With a `contacts` token, the contacts of the organisations in `records` go with them
    (read in one statement; the use is audit-logged with how many were shown)."""
    if token is None or "contacts" not in token.scopes:
        return
    ids = set()
    for record in records:
        for organisation in _organisations_in(record):
            if organisation.id is not None:
                ids.add(organisation.id)
    g.api_contacts = queries.contacts_of(sorted(ids))


def _organisations_in(record):
    if hasattr(record, "organisation"):
        yield record.organisation
    yield from getattr(record, "co_implementers", ())
    yield from getattr(record, "co_leads", ())


def _token_answer(token, body):
    """A token's answer: never kept by a cache, and its use in the audit log."""
    shown = sum(len(v) for v in getattr(g, "api_contacts", {}).values())
    operations.record_use(token, request.full_path, contacts=shown)
    db.session.commit()
    return body, 200, {"Cache-Control": "no-store"}


def _version():
    """(etag, last modified) of this response: the public data, the URL and the language."""
    version = public_version()
    return version.etag(request.full_path, str(get_locale())), version.modified


def _answer(etag, modified, body):
    """The body with its version headers (as `registry.web.versioned` sets them)."""
    headers = {"ETag": f'"{etag}"', "Cache-Control": "no-cache"}
    if modified is not None:
        headers["Last-Modified"] = http_date(modified)
    return body, 200, headers


#: Anonymous answers by entity tag (the public data's version, the URL, the language): the
#: same body until the data changes, built once through the public view. Bounded: the
#: oldest go first. Answers to a token are never kept.
_ANSWERS: Kept[object] = Kept(128)


def _kept_answer(etag: str, build):
    return _ANSWERS.build(etag, lambda: build(_view(None))[0])


def forget_answers() -> None:
    """Drop the kept anonymous answers."""
    _ANSWERS.clear()


def _respond(build):
    """One API answer: anonymous, 304 when the public data has not changed (before any row
    is read), else the body with its version headers (kept under its entity tag); with a
    token, the scope's view and contacts, never kept, audit-logged. `build(view)` returns
    (body, records shown)."""
    token = _caller()
    if token is None:
        etag, modified = _version()
        if (cached := not_modified(etag, modified)) is not None:
            return cached
        return _answer(etag, modified, _kept_answer(etag, build))
    body, records = build(_view(token))
    _with_contacts(token, records)
    return _token_answer(token, body)


def _page_links(endpoint: str, args: dict, page) -> dict:
    def link(number):
        return url_for(
            endpoint, **(args | {"page": number, "per_page": page.per_page}), _external=True
        )

    last = max(1, -(-page.total // page.per_page))
    return {
        "data": page.rows,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "next": link(page.page + 1) if page.page < last else None,
        "previous": link(min(page.page - 1, last)) if page.page > 1 else None,
    }


RESPONSES = {
    "304": {"description": "Not modified (the `If-None-Match` matched)."},
    "401": {
        "description": "Unknown, revoked or expired token.",
        "content": {"application/json": {"schema": schemas.ApiError}},
    },
}
#: Anonymous, or a personal token (`Authorization: Bearer …`).
SECURITY = [{}, {"token": []}]


@bp.route("/pledges")
@bp.arguments(schemas.StrictArgs, location="query")
@bp.response(200, schemas.PledgeList)
@bp.alt_response(400, schema=schemas.ApiError)
@bp.doc(responses=RESPONSES, security=SECURITY)
@public
def pledges(_args):
    """Every pledge the registry hosts, with its key outcomes and signatory total."""

    def build(view):
        records = public_pledges(view)
        return {"data": records}, records

    return _respond(build)


@bp.route("/pledges/<slug>")
@bp.arguments(schemas.StrictArgs, location="query")
@bp.response(200, schemas.PledgeDetailSchema)
@bp.alt_response(404, schema=schemas.ApiError)
@bp.alt_response(400, schema=schemas.ApiError)
@bp.doc(responses=RESPONSES, security=SECURITY)
@public
def pledge(_args, slug: str):
    """One pledge, with its signatories counted by stakeholder type and region (a count
    of fewer than 3 organisations is given as "fewer than 3", its value null)."""

    def figures(rows):
        return [
            {
                "value": value.name if value is not None else "unknown",
                "count": {"value": None if c.is_small else c.value, "text": str(c)},
            }
            for value, c in rows
        ]

    def build(view):
        record = public_pledge(view, slug) or abort(404)
        counts = signatory_counts(view, record.id)
        body = {
            **{name: getattr(record, name) for name in record.__dataclass_fields__},
            "by_stakeholder_type": figures(counts["by_stakeholder_type"]),
            "by_region": figures(counts["by_region"]),
        }
        return SimpleNamespace(**body), [record]

    return _respond(build)


@bp.route("/signatories")
@bp.arguments(schemas.SignatoryArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.SignatoryPage)
@bp.alt_response(400, schema=schemas.ApiError)
@bp.doc(responses=RESPONSES, security=SECURITY)
@public
def signatories(page: int, per_page: int, **filters):
    """Accepted signatories across pledges: public organisations by name first, then
    anonymised ones by description (hidden ones are not listed)."""

    def build(view):
        rows = public_signatures(view, SignatoryQuery(**filters), page, per_page)
        return _page_links("api.signatories", filters, rows), rows.rows

    return _respond(build)


@bp.route("/commitments")
@bp.arguments(schemas.CommitmentArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.CommitmentPage)
@bp.alt_response(400, schema=schemas.ApiError)
@bp.doc(responses=RESPONSES, security=SECURITY)
@public
def commitments(page: int, per_page: int, **filters):
    """Public commitments, most recently changed first, under the filters."""
    query = CommitmentQuery(**filters)

    def build(view):
        rows = public_commitments(view, query, page, per_page)
        return _page_links("api.commitments", query.to_args(), rows), rows.rows

    return _respond(build)


@bp.route("/commitments/<int:commitment_id>")
@bp.arguments(schemas.StrictArgs, location="query")
@bp.response(200, schemas.CommitmentDetailSchema)
@bp.alt_response(404, schema=schemas.ApiError)
@bp.alt_response(400, schema=schemas.ApiError)
@bp.doc(responses=RESPONSES, security=SECURITY)
@public
def commitment(_args, commitment_id: int):
    """One public commitment, with its verified progress updates."""

    def build(view):
        record = public_commitment(view, commitment_id) or abort(404)
        return record, [record]

    return _respond(build)


#: The API's own description, beside it (not an operation of the API).
docs_bp = FlaskBlueprint("api_docs", __name__, url_prefix="/api/v1")


@docs_bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 document of this API, generated from the code."""
    return jsonify(current_app.extensions["registry_api"].spec.to_dict())


@docs_bp.get("/docs")
@public
def docs():
    """The API's documentation page, written from its OpenAPI document (no script)."""
    spec = current_app.extensions["registry_api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec)

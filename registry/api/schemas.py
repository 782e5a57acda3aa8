"""The API's marshmallow schemas: the query parameters each operation accepts (anything else
is refused with 400, naming the parameter) and the records it returns. The OpenAPI document
is generated from them, and the open data files use the same field names."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import g, url_for
from marshmallow import RAISE, Schema, fields, validate

from registry.disclosure.directory import CHOICES, MAX_PER_PAGE, PER_PAGE
from registry.lists import MAX_ID

#: An ISO 3166 alpha-3 country code.
COUNTRY = "^[A-Z]{3}$"

#: The highest page number the API accepts (far beyond any list).
MAX_PAGE = 100_000


class EnumName(fields.Field):
    """An enumeration member, written as its name (e.g. `in_progress`)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.name


class Instant(fields.Field):
    """An ISO 8601 date (`2026-01-31`, midnight UTC) or date-time (`2026-01-31T12:00:00Z`;
    without an offset: UTC)."""

    default_error_messages = {
        "invalid": "Not an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z."
    }

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            text = str(value).strip()
            if len(text) == 10:
                parsed = datetime.combine(date.fromisoformat(text), time(), UTC)
            else:
                parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        except (TypeError, ValueError, OverflowError) as error:
            raise self.make_error("invalid") from error

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


def _choice(name: str, **kwargs):
    values = CHOICES[name]
    return fields.String(validate=validate.OneOf(values), metadata={"enum": values}, **kwargs)


class StrictArgs(Schema):
    """Query parameters: an unknown one is an error, not ignored."""

    class Meta:
        unknown = RAISE


class PageArgs(StrictArgs):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(1, MAX_PAGE),
        metadata={"description": "Page number, from 1."},
    )
    per_page = fields.Integer(
        load_default=PER_PAGE,
        validate=validate.Range(1, MAX_PER_PAGE),
        metadata={"description": f"Rows per page, 1 to {MAX_PER_PAGE}."},
    )


#: Text parameters: anything but a NUL character (refused on every URL of the registry).
NO_NUL = "^[^\\u0000]*$"


def _text(description: str, length: int = 200):
    return fields.String(
        validate=[
            validate.Length(1, length),
            validate.Regexp(NO_NUL, error="Has a NUL character."),
        ],
        metadata={"description": description, "pattern": NO_NUL},
    )


class CommitmentArgs(PageArgs):
    """A well-formed value that names nothing (an unknown slug or code) selects no row."""

    pledge = _text("A pledge's slug, e.g. digital-protection.", 100)
    status = _choice("status")
    stakeholder_type = _choice("stakeholder_type")
    region = _choice("region")
    country = fields.String(
        validate=validate.Regexp(COUNTRY, error="Not an ISO 3166 alpha-3 code in capitals."),
        metadata={
            "description": "ISO 3166 alpha-3 code, e.g. KEN (public organisations' commitments).",
            "pattern": COUNTRY,
        },
    )
    risk = _text("A risk's code (see the data dictionary).", 60)
    action_area = _text("An action area's code (see the data dictionary).", 60)
    key_outcome = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "A key outcome's id."}
    )
    q = _text("Words in the title, description or organisation's public name.")
    updated_since = Instant(
        metadata={"description": "Changed at or after this ISO 8601 date or date-time (UTC)."}
    )


class SignatoryArgs(PageArgs):
    pledge = _text("A pledge's slug.", 100)
    stakeholder_type = _choice("stakeholder_type")
    q = _text("Words in a public organisation's name or acronym.")


# -- what the API returns --------------------------------------------------------------------


def _nullable_choice(name: str):
    return EnumName(allow_none=True, metadata={"enum": [*CHOICES[name], None]})


class OrganisationSchema(Schema):
    id = fields.Integer(
        allow_none=True, metadata={"description": "Public organisations only (else null)."}
    )
    name = fields.String(
        metadata={"description": "The name, or for an anonymised organisation a description."}
    )
    is_named = fields.Boolean()
    stakeholder_type = EnumName(metadata={"enum": CHOICES["stakeholder_type"]})
    is_refugee_led = fields.Boolean()
    acronym = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    region = _nullable_choice("region")
    website = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    page_url = fields.Method("_page_url", metadata={"type": ["string", "null"]})
    contacts = fields.Method(
        "_contacts",
        metadata={
            "type": ["array", "null"],
            "description": "Its contact people (name, role, email, phone): with a token of "
            "the `contacts` scope only, else null.",
        },
    )

    def _page_url(self, record) -> str | None:
        if record.id is None or record.visibility.name != "public":
            return None
        return url_for("directory.organisation", organisation_id=record.id, _external=True)

    def _contacts(self, record) -> list | None:
        contacts = g.get("api_contacts")
        if contacts is None or record.id is None:
            return None
        return contacts.get(record.id, [])


class UpdateSchema(Schema):
    id = fields.Integer()
    window = fields.String(attribute="window_label")
    status = EnumName(metadata={"enum": CHOICES["status"]})
    progress_percent = fields.Integer(allow_none=True)
    actual_value = fields.Float(allow_none=True)
    achievements = fields.String(allow_none=True)
    challenges = fields.String(allow_none=True)
    next_steps = fields.String(allow_none=True)
    evidence_links = fields.List(fields.String())
    links_withheld = fields.Integer()


class KeyOutcomeSchema(Schema):
    id = fields.Integer(attribute="key_outcome_id", allow_none=True)
    title = fields.String(attribute="key_outcome", allow_none=True)


class CommitmentSchema(Schema):
    id = fields.Integer()
    url = fields.Method("_url")
    page_url = fields.Method("_page_url")
    pledge = fields.String(attribute="pledge_slug")
    pledge_title = fields.String()
    organisation = fields.Nested(OrganisationSchema)
    title = fields.String()
    description = fields.String(allow_none=True)
    key_outcome = fields.Method("_outcome", metadata={"type": ["object", "null"]})
    action_areas = fields.List(fields.String())
    risks = fields.List(fields.String())
    target_populations = fields.List(fields.String())
    geographic_level = fields.String(allow_none=True)
    countries = fields.List(fields.String(), attribute="country_codes")
    country_names = fields.List(fields.String(), attribute="countries")
    regions = fields.List(fields.String())
    languages = fields.List(fields.String())
    start_date = fields.Date(allow_none=True)
    target_date = fields.Date(allow_none=True)
    indicator_text = fields.String(allow_none=True)
    indicator_unit = fields.String(allow_none=True)
    indicator_baseline = fields.Float(allow_none=True)
    indicator_target = fields.Float(allow_none=True)
    indicator_latest_actual = fields.Method("_latest_actual", metadata={"type": ["number", "null"]})
    status = EnumName(metadata={"enum": CHOICES["status"]})
    progress_percent = fields.Integer(allow_none=True)
    co_implementers = fields.List(fields.Nested(OrganisationSchema))
    co_implementers_not_listed = fields.Integer()
    matches = fields.Method(
        "_matches",
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "Ids of the public commitments this one matches or supports.",
        },
    )
    matched_by = fields.Method(
        "_matched_by",
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "Ids of the public commitments that match or support this one.",
        },
    )
    wording_withheld = fields.Boolean()
    created_at = Instant(metadata={"type": "string", "format": "date-time"})
    updated_at = Instant(metadata={"type": "string", "format": "date-time"})
    latest_update = fields.Nested(UpdateSchema, allow_none=True)

    def _url(self, record) -> str:
        return url_for("api.commitment", commitment_id=record.id, _external=True)

    def _page_url(self, record) -> str:
        return url_for("directory.commitment", commitment_id=record.id, _external=True)

    def _outcome(self, record):
        if record.key_outcome_id is None:
            return None
        return {"id": record.key_outcome_id, "title": record.key_outcome}

    def _latest_actual(self, record):
        latest = record.latest_update
        return latest.actual_value if latest else None

    def _matches(self, record) -> list[int]:
        return [link.id for link in record.matches]

    def _matched_by(self, record) -> list[int]:
        return [link.id for link in record.matched_by]


class CommitmentDetailSchema(CommitmentSchema):
    updates = fields.List(
        fields.Nested(UpdateSchema), metadata={"description": "Verified updates, oldest first."}
    )


class SignatorySchema(Schema):
    id = fields.Integer()
    pledge = fields.String(attribute="pledge_slug")
    pledge_title = fields.String()
    organisation = fields.Nested(OrganisationSchema)
    statement = fields.String(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    wording_withheld = fields.Boolean()


class CountSchema(Schema):
    value = fields.Integer(
        allow_none=True, metadata={"description": "null when too few to publish."}
    )
    text = fields.String(metadata={"description": 'The figure as it reads ("fewer than 3").'})


class PledgeSchema(Schema):
    slug = fields.String()
    url = fields.Method("_url")
    page_url = fields.Method("_page_url")
    title = fields.String()
    summary = fields.String()
    forum = fields.String(allow_none=True)
    key_outcomes = fields.Method("_outcomes", metadata={"type": "array"})
    co_leads = fields.List(fields.Nested(OrganisationSchema))
    signatories = fields.Integer(metadata={"description": "Accepted signatories, in total."})
    signature_form_open = fields.Method("_form_open", metadata={"type": "boolean"})

    def _url(self, record) -> str:
        return url_for("api.pledge", slug=record.slug, _external=True)

    def _page_url(self, record) -> str:
        return url_for("pledges.detail", slug=record.slug, _external=True)

    def _outcomes(self, record):
        return [
            {"id": i, "title": t}
            for i, t in zip(record.key_outcome_ids, record.key_outcomes, strict=False)
        ]

    def _form_open(self, record) -> bool:
        return bool(record.form_state.is_open)


class FigureSchema(Schema):
    value = fields.String()
    count = fields.Nested(CountSchema)


class PledgeDetailSchema(PledgeSchema):
    by_stakeholder_type = fields.List(fields.Nested(FigureSchema))
    by_region = fields.List(fields.Nested(FigureSchema))


def _page_schema(name: str, item) -> type[Schema]:
    return Schema.from_dict(
        {
            "data": fields.List(fields.Nested(item)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "next": fields.String(allow_none=True),
            "previous": fields.String(allow_none=True),
        },
        name=name,
    )


CommitmentPage = _page_schema("CommitmentPage", CommitmentSchema)
SignatoryPage = _page_schema("SignatoryPage", SignatorySchema)


class PledgeList(Schema):
    data = fields.List(fields.Nested(PledgeSchema))


class ApiError(Schema):
    status = fields.Integer()
    error = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "For each refused parameter, why."},
    )

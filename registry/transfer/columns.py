"""What each import column holds, in words: the import page and the XLSX templates show it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "organisations": _l("Organisations"),
    "commitments": _l("Commitments"),
    "progress": _l("Progress reports"),
}

#: What each import column holds; the template page and the XLSX templates show this.
COLUMN_HELP = {
    "organisations": {
        "external_ref": _l(
            "Your unique key for the organisation (required); rows are matched on it."
        ),
        "name": _l("Full name (required)."),
        "acronym": _l("Short name, up to 40 characters."),
        "stakeholder_type": _l("Type code (required), e.g. national_ngo, technology_company."),
        "country": _l("ISO 3166 alpha-3 code, e.g. KEN; the UNHCR region follows from it."),
        "website": _l("Address starting with http:// or https://."),
        "is_refugee_led": _l("yes or no (refugee-led organisation types are always yes)."),
        "visibility": _l(
            "public, anonymised or hidden; blank: refugee-led ones anonymised, others public "
            "(an existing organisation keeps its visibility)."
        ),
        "description": _l("Free text."),
    },
    "commitments": {
        "external_ref": _l(
            "Your unique key for the commitment (required); rows are matched on it."
        ),
        "organisation_external_ref": _l(
            "external_ref of an organisation already in the registry (required)."
        ),
        "pledge": _l("The pledge's slug (required), e.g. digital-protection."),
        "title": _l("Up to 300 characters (required)."),
        "description": _l("Free text."),
        "key_outcome": _l("Number of the pledge's key outcome, 1 to n."),
        "status": _l("planning, in_progress, fulfilled or discontinued (blank: planning)."),
        "geographic_level": _l("global, regional, national or local."),
        "countries": _l("ISO alpha-3 codes separated by ;"),
        "risks": _l("Risk codes separated by ;, e.g. hate_speech; misinformation"),
        "action_areas": _l("Action area codes separated by ;"),
        "target_populations": _l("Target population codes separated by ;"),
        "languages": _l("Languages separated by ;"),
        "start_date": _l("YYYY-MM-DD"),
        "target_date": _l("YYYY-MM-DD, not before the start date."),
        "indicator_text": _l("What is measured."),
        "indicator_unit": _l("Unit of the indicator."),
        "indicator_baseline": _l("A number."),
        "indicator_target": _l("A number."),
        "signature_status": _l(
            "Status of the organisation's signature when the import creates it: draft "
            "(blank), submitted or accepted. An existing signature is never changed."
        ),
        "pledged_on": _l(
            "YYYY-MM-DD the organisation pledged the commitment (blank: the signature's "
            'submission date, else the day of the import). "New since last cycle" counts '
            "from it."
        ),
        "status_changed_on": _l(
            "YYYY-MM-DD the commitment reached the status given (blank: when it was pledged, "
            "or the day of the import for a change); not before it was pledged."
        ),
        "signature_submitted_on": _l(
            "YYYY-MM-DD the signature was submitted, when the import creates it (blank: the "
            "day of the import)."
        ),
        "signature_accepted_on": _l(
            "YYYY-MM-DD the signature was accepted, when the import creates it accepted "
            "(blank: the day of the import); not before it was submitted."
        ),
    },
    "progress": {
        "commitment_external_ref": _l(
            "external_ref of the commitment reported on (this or commitment_id is required)."
        ),
        "commitment_id": _l("The commitment's id in the registry, instead of its external_ref."),
        "window": _l(
            "Label or id of a progress window of the commitment's pledge (required), "
            "e.g. HLOM 2025 review."
        ),
        "status": _l("planning, in_progress, fulfilled or discontinued (required)."),
        "progress_percent": _l(
            "Whole number from 0 to 100; blank means not reported (which is not 0 %). "
            "fulfilled needs 100 or blank."
        ),
        "actual_value": _l("The indicator's value reached, a number."),
        "achievements": _l("Free text, up to 5000 characters."),
        "challenges": _l("Free text, up to 5000 characters."),
        "next_steps": _l("Free text, up to 5000 characters."),
        "evidence_links": _l(
            "Up to 10 addresses starting with http:// or https://, separated by ;"
        ),
        "review_state": _l(
            "submitted (blank) or verified; verified updates set the commitment's status and "
            "progress, and can no longer be changed."
        ),
        "submitted_on": _l("YYYY-MM-DD the update was submitted (blank: the day of the import)."),
        "verified_on": _l(
            "YYYY-MM-DD it was verified, for review_state verified (blank: the day of the "
            "import); not before it was submitted. The commitment's status dates from it."
        ),
    },
}

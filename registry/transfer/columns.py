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

#: Each export column in words: an XLSX export's second header row, in the exporter's
#: language, under the codes of its first (which the import reads; the import skips this row,
#: in any language). Columns without a label here show their code in both rows.
COLUMN_LABELS = {
    "id": _l("ID"),
    "external_ref": _l("External reference"),
    "name": _l("Name"),
    "acronym": _l("Acronym"),
    "stakeholder_type": _l("Stakeholder type"),
    "country": _l("Country"),
    "region": _l("Region"),
    "website": _l("Website"),
    "is_refugee_led": _l("Refugee-led"),
    "visibility": _l("Visibility"),
    "description": _l("Description"),
    "contacts": _l("Contacts"),
    "organisation_id": _l("Organisation ID"),
    "organisation_external_ref": _l("Organisation's external reference"),
    "organisation": _l("Organisation"),
    "pledge": _l("Pledge"),
    "title": _l("Title"),
    "key_outcome": _l("Key outcome"),
    "status": _l("Status"),
    "geographic_level": _l("Geographic level"),
    "countries": _l("Countries"),
    "risks": _l("Risks addressed"),
    "action_areas": _l("Action areas"),
    "target_populations": _l("Target populations"),
    "languages": _l("Languages"),
    "start_date": _l("Start date"),
    "target_date": _l("Target date"),
    "end_date": _l("End date"),
    "indicator_text": _l("Indicator"),
    "indicator_unit": _l("Indicator unit"),
    "indicator_baseline": _l("Indicator baseline"),
    "indicator_target": _l("Indicator target"),
    "signature_status": _l("Signature status"),
    "pledged_on": _l("Pledged on"),
    "status_changed_on": _l("Status reached on"),
    "signature_submitted_on": _l("Signature submitted on"),
    "signature_accepted_on": _l("Signature accepted on"),
    "commitment_id": _l("Commitment ID"),
    "commitment_external_ref": _l("Commitment's external reference"),
    "commitment": _l("Commitment"),
    "co_implementers": _l("Co-implementing organisations"),
    "matches": _l("Matches or supports"),
    "matched_by": _l("Matched by"),
    "commitments": _l("Commitments"),
    "window": _l("Progress window"),
    "progress_percent": _l("Progress %"),
    "actual_value": _l("Indicator value"),
    "achievements": _l("Achievements"),
    "challenges": _l("Challenges"),
    "next_steps": _l("Next steps"),
    "evidence_links": _l("Evidence links"),
    "review_state": _l("Review state"),
    "review_comment": _l("Comment from the review"),
    "submitted_on": _l("Submitted on"),
    "verified_on": _l("Verified on"),
    "signed_by_name": _l("Signed by"),
    "signed_by_title": _l("Signer's title"),
    "statement": _l("Statement"),
    "submitted_at": _l("Submitted (UTC)"),
    "decided_at": _l("Decided (UTC)"),
    "reviewed_at": _l("Reviewed (UTC)"),
    "created_at": _l("Created (UTC)"),
    "updated_at": _l("Updated (UTC)"),
    "kind": _l("Kind"),
    "stage": _l("Stage"),
    "purpose_areas": _l("Purpose areas"),
    "coordination_structure": _l("Coordination structure"),
    "focal_point": _l("Focal point"),
    "hrdd_checked_on": _l("Due diligence checked on"),
    "hrdd_outcome": _l("Due diligence outcome"),
    "converted_from_id": _l("Converted from (ID)"),
    "internal_notes": _l("Internal notes"),
}

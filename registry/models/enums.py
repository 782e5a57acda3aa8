"""Enumerations of the domain, stored by name; values are English labels marked for translation."""

from registry.geo import Region
from registry.i18n import N_, NP_, LabelledEnum

__all__ = [
    "AmendmentStatus",
    "Audience",
    "CommitmentStatus",
    "DuplicateStatus",
    "EngagementKind",
    "EngagementStage",
    "GeographicLevel",
    "ImportStatus",
    "JoinRequestStatus",
    "OutboxStatus",
    "PartnerStatus",
    "Region",
    "ReportStatus",
    "ReportingStatus",
    "ReviewState",
    "Role",
    "SignatureStatus",
    "StakeholderType",
    "Visibility",
    "VocabularyKind",
    "WindowKind",
]


class Role(LabelledEnum):
    stakeholder = N_("Stakeholder")
    coordinator = N_("Coordinator")
    admin = N_("Administrator")


class StakeholderType(LabelledEnum):
    state = NP_("stakeholder type", "State")  # a country's government
    un_entity = N_("UN entity")
    international_organisation = N_("International organisation")
    international_ngo = N_("International NGO")
    national_ngo = N_("National or local NGO / civil society")
    refugee_led_organisation = N_("Refugee-led organisation")
    faith_based_organisation = N_("Faith-based organisation")
    technology_company = N_("Technology company")
    private_sector = N_("Private sector (other)")
    media_outlet = N_("Media outlet or journalist")
    media_development = N_("Media development organisation")
    academia = N_("Academia and research")
    philanthropic_foundation = N_("Philanthropic foundation")
    local_authority = N_("City or local authority")
    other = N_("Other")


class Visibility(LabelledEnum):
    public = N_("Public: named in public pages and reports")
    anonymised = N_("Anonymised: described by type and region, never by name")
    hidden = N_("Hidden: only counted in totals")


class JoinRequestStatus(LabelledEnum):
    pending = N_("Waiting for a coordinator")
    approved = N_("Approved")
    declined = N_("Declined")


class DuplicateStatus(LabelledEnum):
    pending = N_("Waiting for a coordinator")
    merged = N_("Merged")
    kept = N_("Kept as a different organisation")


class WindowKind(LabelledEnum):
    signature = N_("Signatures")
    progress = N_("Progress reports")


class SignatureStatus(LabelledEnum):
    draft = N_("Draft")
    submitted = N_("Submitted")
    accepted = N_("Accepted")
    rejected = N_("Rejected")
    changes_requested = N_("Changes requested")
    withdrawn = N_("Withdrawn")


class AmendmentStatus(LabelledEnum):
    """A proposed change to an accepted signature's commitments, reviewed like a signature."""

    submitted = N_("Submitted")
    accepted = N_("Accepted")
    changes_requested = N_("Changes requested")
    rejected = N_("Rejected")


class PartnerStatus(LabelledEnum):
    """A co-implementing organisation's answer to being named on a joint commitment."""

    pending = N_("Waiting for the partner")
    confirmed = N_("Confirmed by the partner")
    declined = N_("Declined by the partner")


class CommitmentStatus(LabelledEnum):
    planning = N_("Planning")
    in_progress = N_("In progress")
    fulfilled = N_("Fulfilled")
    discontinued = N_("Discontinued")


class ReviewState(LabelledEnum):
    draft = N_("Draft")
    submitted = N_("Submitted")
    verified = N_("Verified")
    returned = N_("Returned")


class ReportingStatus(LabelledEnum):
    """A commitment's status in one progress window (DESIGN §2): the coordinators' traffic
    light. Code passes it around by name ("reported", "due", "overdue")."""

    reported = N_("Reported")  # an update in the window that is not a draft
    due = N_("Due")  # the window is open and there is no such update yet
    overdue = N_("Overdue")  # the window has closed without one


class GeographicLevel(LabelledEnum):
    global_ = N_("Global")
    regional = N_("Regional")
    national = N_("National")
    local = N_("Local")


class EngagementKind(LabelledEnum):
    partnership = N_("Partnership")
    advocacy_target = N_("Protection advocacy target")


class EngagementStage(LabelledEnum):
    identified = N_("Identified")
    engaged = N_("Engaged")
    committed = N_("Committed")
    converted = N_("Converted to partnership")
    closed = NP_("engagement stage", "Closed")
    proposed = N_("Proposed")
    active = NP_("engagement stage", "Active")
    completed = N_("Completed")
    ended = N_("Ended")


class VocabularyKind(LabelledEnum):
    action_area = N_("Action area")
    risk = N_("Risk addressed")
    target_population = N_("Target population")
    coordination_structure = N_("Coordination structure")


class Audience(LabelledEnum):
    public = N_("Public")
    internal = N_("Internal")


class ReportStatus(LabelledEnum):
    queued = N_("Queued")
    gathering = N_("Gathering data")
    rendering = N_("Rendering")
    done = N_("Done")
    failed = N_("Failed")


class ImportStatus(LabelledEnum):
    checked = N_("Checked, waiting for confirmation")
    queued = N_("Queued")
    importing = N_("Importing")
    done = N_("Done")
    failed = N_("Failed")


class OutboxStatus(LabelledEnum):
    pending = N_("Pending")
    sent = N_("Sent")
    logged = N_("Logged (no mail server)")
    failed = N_("Failed")

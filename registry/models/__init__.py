"""SQLAlchemy models of the registry (DESIGN §2), re-exported from one place."""

from .accounts import ApiToken, PendingRegistration, SavedFilter, User
from .amendments import CommitmentAmendment, CommitmentPartner, PartnerInvitation, PartnerNote
from .base import Audited, InvalidTransition, utcnow
from .disclosure import PublicWordingApproval
from .engagements import EngagementRecord
from .enums import *  # noqa: F403 - the enums are part of the model's public names
from .enums import __all__ as _enum_names
from .evidence import EvidenceFile
from .following import Digest, Follow, FollowKind
from .history import CommitmentRevision, StatusChange
from .organisations import Contact, JoinRequest, Organisation, PossibleDuplicate
from .pledges import DEFAULT_CLOSED_MESSAGE, Invitation, KeyOutcome, Pledge, SubmissionWindow
from .signatures import (
    Commitment,
    CommitmentCountry,
    ProgressUpdate,
    Signature,
    commitment_matches,
    commitment_partners,
)
from .system import (
    AuditEvent,
    ChangeCounter,
    ChangeMark,
    ImportRun,
    OutboxMessage,
    Reminder,
    ReportRun,
    ServerSession,
    SummaryCount,
)
from .vocabulary import VocabularyTerm

__all__ = [
    "DEFAULT_CLOSED_MESSAGE",
    "ApiToken",
    "AuditEvent",
    "ChangeCounter",
    "ChangeMark",
    "Audited",
    "Commitment",
    "CommitmentAmendment",
    "CommitmentCountry",
    "CommitmentPartner",
    "CommitmentRevision",
    "Contact",
    "EngagementRecord",
    "Digest",
    "EvidenceFile",
    "Follow",
    "FollowKind",
    "ImportRun",
    "InvalidTransition",
    "Invitation",
    "JoinRequest",
    "KeyOutcome",
    "Organisation",
    "PartnerInvitation",
    "PartnerNote",
    "OutboxMessage",
    "PendingRegistration",
    "Pledge",
    "PossibleDuplicate",
    "ProgressUpdate",
    "PublicWordingApproval",
    "Reminder",
    "ReportRun",
    "SavedFilter",
    "ServerSession",
    "Signature",
    "StatusChange",
    "SubmissionWindow",
    "SummaryCount",
    "User",
    "VocabularyTerm",
    "commitment_matches",
    "commitment_partners",
    "utcnow",
    *_enum_names,
]

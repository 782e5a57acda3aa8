"""The one public view of the registry (DESIGN §4): every public output — pages, the API and
open data, public PDF reports, e-mails that reach another organisation — reads organisations,
signatures, commitments and progress only through this package, which never names a protected
(anonymised or hidden) organisation, in any field, in any script.

What it offers
--------------

`View(audience="public" | "internal", viewer=None)` — made once per output:

- `include(organisations, texts=())`: the organisations an output shows (and those its texts
  name), counted for the small-group rule; call before building records;
- records, read-only (`records.py`): `organisation(org)` → `PublicOrganisation` (a display name:
  the name, a description, or None for a hidden one), `signature(sig, commitments)` →
  `PublicSignature`, `commitment(c, updates)` → `PublicCommitment`, `update(u, owner)` →
  `PublicUpdate`; public records are None for what the public may not see (hidden
  organisations, signatures not accepted, updates not verified);
- `text(value)`: free text with every protected organisation's identifiers replaced by its
  description; `links(owner, links)`: evidence links shown and how many were withheld;
- `wording(obj, owner)` / `wording_state(obj)`: a non-public organisation's free text only once a
  coordinator approved its public wording (`wording.approve_public_wording`), else None;
- `count(value, organisations=None, exact=False)` → `PublicCount`: "fewer than 3" for a small
  group under a filter;
- `marked(text)`: the identifiers found, for the pages where coordinators approve wording;
- `state_digest()`: what decides disclosure, for the fingerprint of a stored public report.

`viewer=` an organisation: e-mails to its people, which may show its own identifiers but no
other protected organisation's. An internal view (`audience="internal"`) gives the same records
with everything named and shown, for internal reports.

Page data (`pledges.py`): `public_pledges(view)`, `public_pledge(view, slug)`,
`public_signatories(view, pledge_id)`, `signatory_counts(view, pledge_id)`.

Rules (`naming.py`, `redaction.py`, `identifiers.py`, `wording.py`): display names and the
small-group threshold (`DISCLOSURE_MIN_GROUP`, default 3); identifiers (name, acronym, other
names, website, e-mail domains, contacts' and signers' names) matched after NFKC, casefolding
and removal of diacritics, whole words for short ones, inside URLs too; approvals by digest.

For a form: `own_identifiers(organisation, texts)` says which of an organisation's own
identifiers a text contains and how the public will read it (`registry/disclosure/forms.py`).
"""

from __future__ import annotations

from .naming import PublicCount, min_group
from .records import (
    PublicCommitment,
    PublicOrganisation,
    PublicPledge,
    PublicSignatories,
    PublicSignature,
    PublicUpdate,
)
from .redaction import Identifier, Match, Redactor
from .view import INTERNAL, PUBLIC, View, link_withheld
from .wording import WordingState, approve_public_wording, has_text

__all__ = [
    "INTERNAL",
    "PUBLIC",
    "Identifier",
    "Match",
    "PublicCommitment",
    "PublicCount",
    "PublicOrganisation",
    "PublicPledge",
    "PublicSignatories",
    "PublicSignature",
    "PublicUpdate",
    "Redactor",
    "View",
    "WordingState",
    "approve_public_wording",
    "has_text",
    "link_withheld",
    "min_group",
]

"""The one public view of the registry (DESIGN §4): every public output — pages, the API and
open data, public PDF reports, e-mails that reach another organisation — reads organisations,
signatures, commitments and progress only through this package, which never names a protected
(anonymised or hidden) organisation, in any field, in any script.

What it offers
--------------

`View(audience="public" | "internal", *, viewer=None, preview=False, only=None, own=None)`,
made once per output (a page, a report, a batch of e-mails):

- `include(organisations, texts=())`: the organisations an output shows (and those its texts
  name), counted for the small-group rule; call it before building records;
- records, read-only (`records.py`): `organisation(org)` → `PublicOrganisation` (a display
  name: the name, a description, or None for a hidden one), `signature(sig, commitments)` →
  `PublicSignature`, `commitment(c, updates)` → `PublicCommitment` (with its `PublicUpdate`s),
  `update(u, owner)` → `PublicUpdate`; a public view returns None for what the public may not
  see (hidden organisations, signatures not accepted, updates not verified);
- `name(org)`: the display name alone; `text(value)`: free text with every protected
  organisation's identifiers replaced by its description; `links(owner, links)`: the evidence
  links shown and how many were withheld;
- `wording(obj, owner)` / `wording_state(obj)`: a non-public organisation's free text only once a
  coordinator approved its public wording (`approve_public_wording`), else None;
- `count(value, organisations=None, exact=False)` → `PublicCount`: "fewer than 3" for a small
  group under a filter (`threshold`: `DISCLOSURE_MIN_GROUP`, default 3);
- `seen_by(organisation)`: the same view for e-mails to that organisation's people (its own
  identifiers are not hidden from them, every other protected organisation's are);
- `preview=True`: a signature as it will read once accepted (the public previews);
  `only=organisation`: hide only that organisation's identifiers (its own preview: replacing
  another organisation's name would tell it that one is protected, hence registered);
- `own=organisation`: that organisation's own report, for its own people: its own records
  named and complete (its words as written, every update it sent with its review state, its
  links, its countries); any other organisation as the public sees it;
- `marked(text)`: the identifiers found, with whose they are, for staff pages;
- `state_digest()`: what decides disclosure, part of a stored report's data fingerprint;
- `state_key`: the state of every table its names come from, while it reads the protected
  organisations' identifiers as kept between requests (`identifiers.protected_now`), None when
  it reads its own session's changes; what is computed from its names may be kept under it
  (a pledge's sorted signatory listing is). `forget_kept()` drops everything kept.

An internal view gives the same records with everything named and shown (and how the public
sees each organisation), for internal reports.

Also: `evidence.py` — `public_evidence(view, update_ids)`, `public_file(view, file_id,
commitment_id)`, `is_public_file(view, file)`: the evidence files a public output may offer;
`pledges.py` — `public_pledges(view)`, `public_pledge(view, slug)`,
`public_signatories(view, pledge_id)`, `signatory_counts(view, pledge_id)`; `forms.py` —
`own_identifier_warnings(organisation, texts, profile=None)`, what a form warns about before a
non-public organisation's text is saved; `review.py` — `wording_review(s)` and
`wording_version`, what coordinators check before approving; `wording.py` — approvals by
digest (`approve_public_wording`, `FIELDS`); `naming.py`, `redaction.py`, `identifiers.py` —
the rules (display names and small groups; identifiers matched after NFKC, casefolding and
removal of diacritics, whole words for short ones, inside URLs too).
"""

from __future__ import annotations

from . import directory, identifiers, kept_records, pledges
from .evidence import PublicEvidence, is_public_file, public_evidence, public_file
from .kept_records import commitment_loads, commitment_records
from .naming import PublicCount, min_group
from .records import (
    PublicCommitment,
    PublicCommitmentLink,
    PublicOrganisation,
    PublicPledge,
    PublicSignatories,
    PublicSignature,
    PublicUpdate,
)
from .redaction import Identifier, Match, Redactor
from .view import INTERNAL, PUBLIC, View, link_withheld
from .wording import WordingState, approve_public_wording, has_text


def forget_kept() -> None:
    """Drop what is kept between requests (the protected organisations' identifiers, the
    pledges' signatory listings, the directory's facets, the reports' commitment records):
    for a database emptied or restored under the same URL, and for tests that count the
    dearest case."""
    identifiers.forget()
    pledges.forget()
    directory.forget()
    kept_records.forget()


__all__ = [
    "INTERNAL",
    "PUBLIC",
    "Identifier",
    "Match",
    "PublicCommitment",
    "PublicCommitmentLink",
    "PublicCount",
    "PublicEvidence",
    "PublicOrganisation",
    "PublicPledge",
    "PublicSignatories",
    "PublicSignature",
    "PublicUpdate",
    "Redactor",
    "View",
    "WordingState",
    "approve_public_wording",
    "commitment_loads",
    "commitment_records",
    "forget_kept",
    "has_text",
    "is_public_file",
    "link_withheld",
    "min_group",
    "public_evidence",
    "public_file",
]

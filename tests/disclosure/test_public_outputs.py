"""On the crafted dataset, with every public wording approved (so that the most text is shown):
no anonymous page, no public PDF and no e-mail to another organisation names a protected
organisation, in any script or spelling."""

from __future__ import annotations

import io
import itertools
import re

import pytest
from pypdf import PdfReader

from registry.audit import acting_as
from registry.commitments import operations as commitment_operations
from registry.models import OutboxMessage, Role, SignatureStatus, utcnow
from registry.pledges import operations as pledge_operations
from registry.progress import operations as progress_operations
from registry.progress import queries as progress_queries
from registry.reports.jobs import request_report, run_report
from registry.signatures import operations as signature_operations
from tests.disclosure.crafted import PARTNER_TEXT, assert_no_leak, build, leaks


@pytest.fixture
def crafted(db, pledge, make_user, approve_wording):
    """The crafted dataset with every public wording approved."""
    data = build(db, pledge, make_user)
    records = [*data.orgs.values(), *data.signatures.values(), *data.commitments.values()]
    approve_wording(*records, *data.updates.values())
    return data


def _public_get_urls(app, data, token: str) -> list[str]:
    """Every GET route an anonymous visitor may open, with real values for its arguments."""
    values = {"slug": [data.pledge.slug, "other"], "token": [token, "no-such-token"]}
    urls = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "GET" not in rule.methods or "static" in rule.endpoint:
            continue
        if getattr(view, "access", None) != "public" and not rule.endpoint.startswith("security."):
            continue
        names = sorted(rule.arguments)
        for combination in itertools.product(*(values.get(n, ["x"]) for n in names)):
            url = rule.rule
            for name, value in zip(names, combination, strict=True):
                url = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, url)
            urls.append(url)
    return urls


def test_no_anonymous_page_names_a_protected_organisation(app, client, crafted, db):
    with acting_as(label="test-setup"):
        from registry.models import Pledge

        other = Pledge(slug="other", title="Other pledge")
        db.session.add(other)
        _invitation, token = pledge_operations.create_invitation(
            crafted.window, organisation=crafted.orgs["sauti"]
        )
        db.session.commit()
    urls = _public_get_urls(app, crafted, token)
    assert f"/pledges/{crafted.pledge.slug}" in urls and f"/invitations/{token}" in urls
    assert "/account/register" in urls and "/" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.mimetype.startswith("image/"):
            continue  # the favicon: no text to read
        assert_no_leak(response.get_data(as_text=True), crafted, url)
    pledge_page = client.get(f"/pledges/{crafted.pledge.slug}").get_data(as_text=True)
    assert "Open Platforms Inc" in pledge_page  # the page does show its signatories
    assert "A refugee-led organisation" in pledge_page
    assert "signatories are not listed" in pledge_page or "not listed" in pledge_page


def _pdf_text(pdf: bytes) -> str:
    """Every piece of text a reader of the PDF can reach: pages, bookmarks, metadata."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = "\n".join(page.extract_text() or "" for page in reader.pages)

    def titles(outline) -> list[str]:
        found = []
        for item in outline:
            found += titles(item) if isinstance(item, list) else [item.title]
        return found

    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    return "\n".join([pages, *titles(reader.outline), metadata])


PUBLIC_GRF = [
    {},
    {"pledge": "all"},
    {"stakeholder_type": "refugee_led_organisation"},
    {"region": "east_horn_great_lakes"},
    {"as_of": "today"},
    {"window": "closed"},
]


def _grf_params(data, variant: dict) -> dict:
    params = {"pledge": data.pledge.slug, "audience": "public"} | variant
    if params.get("as_of") == "today":
        params["as_of"] = utcnow().date().isoformat()
    if params.get("window") == "closed":
        params["window"] = data.closed.id
    return params


def _report_pdf(kind: str, params: dict) -> bytes:
    """The PDF the report job stores for these parameters (the real job, in this process)."""
    with acting_as(label="cli"):
        run = request_report(kind, params, None, enqueue=False)
        from registry.extensions import db

        db.session.commit()
        run_report(run.id)
        db.session.refresh(run)
    assert run.status.name == "done", run.error
    return run.pdf


def _public_pdfs(client, data, grf_variants, reports, previews) -> dict[str, str]:
    """The text (pages, bookmarks, metadata) of public PDFs: GRF reports made by the report
    job, signatory reports made by the job and by the public preview."""
    texts = {}
    for variant in grf_variants:
        texts[f"grf {variant}"] = _pdf_text(_report_pdf("grf", _grf_params(data, variant)))
    for key in reports:
        params = {"organisation": data.orgs[key].id, "audience": "public"}
        texts[f"signatory {key}"] = _pdf_text(_report_pdf("signatory", params))
    for key in previews:
        response = client.get(f"/coordinate/organisations/{data.orgs[key].id}/public-report.pdf")
        assert response.mimetype == "application/pdf"
        texts[f"preview {key}"] = _pdf_text(response.data)
    return texts


def test_public_pdfs_name_no_protected_organisation(client, crafted, staff):
    """The PDFs themselves, for the main variants (every variant: the HTML test below, and the
    slow test run by CI)."""
    texts = _public_pdfs(client, crafted, [{}], ["open"], ["amal"])
    for where, text in texts.items():
        assert_no_leak(text, crafted, where)
    # The reports do print the public partner's text, redacted, and the approved words.
    grf = texts["grf {}"]
    assert "Open Platforms Inc" in grf and "rumour desk" in grf
    assert "[a refugee-led organisation" in texts["signatory open"].replace("\n", " ")
    assert "link withheld to protect the organisation" in texts["preview amal"]


@pytest.mark.slow
def test_every_public_pdf_variant_names_no_protected_organisation(client, crafted, staff):
    keys = [k for k, org in crafted.orgs.items() if org.visibility.name != "hidden"]
    texts = _public_pdfs(client, crafted, PUBLIC_GRF, keys, keys)
    assert len(texts) == len(PUBLIC_GRF) + 2 * len(keys)
    for where, text in texts.items():
        assert_no_leak(text, crafted, where)


def test_the_report_html_names_no_protected_organisation_either(crafted):
    """The HTML a PDF is made from (headings become bookmarks, the title metadata)."""
    from registry.reports import grf, signatory

    for variant in PUBLIC_GRF:
        params = grf.parse_params(_grf_params(crafted, variant))
        html = grf.render_html(params, grf.gather(params), fingerprint=None, generated_at=utcnow())
        assert_no_leak(html, crafted, f"grf html {variant}")
    for key in ("open", "peace", "sauti", "amal", "golos"):
        params = signatory.parse_params({"organisation": crafted.orgs[key].id})
        data = signatory.gather(params)
        html = signatory.render_html(params, data, fingerprint=None, generated_at=utcnow())
        assert_no_leak(html, crafted, f"signatory html {key}")


def _send_every_email(data, coordinator) -> None:
    """Every e-mail the registry sends to organisations, on the crafted dataset."""
    with acting_as(coordinator):
        from registry.extensions import db

        due = progress_queries.due_by_organisation(data.pledge, data.window)
        progress_operations.send_reminders(data.window, due)
        commitment_operations.send_commitment_reminders(list(data.commitments.values()))
        for update in data.updates.values():
            update.review_state = update.review_state.submitted
            db.session.flush()
            progress_operations.return_progress_update(
                update, coordinator, f"Please do not name {PARTNER_TEXT}"
            )
        for key, signature in data.signatures.items():
            signature.status = SignatureStatus.submitted
            signature.submitted_by_id = data.users[key].id
            db.session.flush()
            signature_operations.decide_signature(
                signature, SignatureStatus.changes_requested, coordinator, PARTNER_TEXT
            )
            signature_operations.submit_signature(signature, data.users[key])
        for key in data.orgs:
            pledge_operations.create_invitation(data.window, organisation=data.orgs[key])
        db.session.commit()


def test_no_email_to_another_organisation_names_a_protected_one(db, crafted, make_user):
    coordinator = make_user(role=Role.coordinator)
    _send_every_email(crafted, coordinator)
    messages = db.session.query(OutboxMessage).all()
    kinds = {m.subject.split(":")[0] for m in messages}
    assert len(messages) >= 4 * len(crafted.orgs), kinds
    members = {key: user.email for key, user in crafted.users.items()}
    for message in messages:
        owner = next((crafted.orgs[k] for k, email in members.items() if email == message.to), None)
        assert owner is not None, message.to
        text = f"{message.subject}\n{message.body}"
        assert_no_leak(text, crafted, f"e-mail {message.subject!r} to {message.to}", owner)
    # An organisation's own people do read its name, and its partners' text about it redacted.
    sauti_mail = [m for m in messages if m.to == members["sauti"]]
    assert any(leaks(m.body, crafted.orgs["sauti"]) for m in sauti_mail)
    open_mail = " ".join(m.body for m in messages if m.to == members["open"])
    assert "[a refugee-led organisation" in open_mail

"""Row 8: security headers on every kind of response (HTML, PDF, JSON, error pages, static
files), `no-store` on pages with contact data, and no inline script or style anywhere in the
pages, so the Content Security Policy can forbid them."""

import re

import pytest

from registry.charts import chart_css
from registry.reports import jobs as report_jobs
from tests.conftest import ROOT, make_app

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_secure_headers(response):
    """The headers every response carries."""
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_html_json_error_and_static_responses(client, staff, make_org):
    for path in (
        "/",
        "/healthz",
        "/no-such-page",
        "/static/css/registry.css",
        "/coordinate/dashboard",
    ):
        assert_secure_headers(client.get(path))
    assert client.get("/no-such-page").status_code == 404
    forbidden = client.post("/admin/users/1/role")  # a coordinator on an admin page
    assert forbidden.status_code == 403
    assert_secure_headers(forbidden)


def test_pdf_downloads(client, db, staff, make_org):
    organisation = make_org(name="Radio Dadaab")
    run = report_jobs.request_report("signatory", {"organisation": organisation.id}, staff)
    db.session.commit()
    response = client.get(f"/coordinate/reports/{run.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_secure_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_with_contact_data_are_never_stored(client, db, staff, make_org):
    from registry.audit import acting_as
    from registry.models import Contact

    organisation = make_org(name="Radio Dadaab")
    with acting_as(label="test"):
        db.session.add(Contact(organisation=organisation, name="Hawa Ali", email="hawa@radio.org"))
        db.session.commit()
    response = client.get(f"/coordinate/organisations/{organisation.id}?contacts=1")
    assert "hawa@radio.org" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "no-store" in client.get("/my-organisation").headers.get("Cache-Control", "no-store")


def test_hsts_only_over_https(db):
    https = make_app({"BASE_URL": "https://registry.test"})
    response = https.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = make_app({})
    assert "Strict-Transport-Security" not in plain.test_client().get("/").headers


TEMPLATES = [
    path
    for path in sorted((ROOT / "templates").rglob("*.html"))
    if "reports/pdf" not in path.as_posix()  # WeasyPrint's input: no browser, no CSP
]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_inline_script_or_style_in_any_page_template(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"<style\b", text), "<style> element"
    assert not re.search(r"\sstyle=", text), "style= attribute"
    assert not re.search(r"\son[a-z]+=", text), "event handler attribute"
    assert "javascript:" not in text


def test_rendered_pages_hold_no_inline_script_or_style(client, staff):
    # The dashboard embeds pygal's SVG charts: their styles come from static/css/charts.css.
    page = client.get("/coordinate/dashboard").get_data(as_text=True)
    assert "<svg" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=", page)


def test_chart_styles_file_matches_what_pygal_writes(app):
    with app.test_request_context():
        expected = chart_css()
    shipped = (ROOT / "static" / "css" / "charts.css").read_text()
    assert shipped.split("\n", 1)[1] == expected, "regenerate static/css/charts.css (chart_css)"

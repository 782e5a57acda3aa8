"""The admin's outbox page: every e-mail with its recipient, subject, body and status, so that
a password reset can be completed on the embedded default (no mail server)."""

from __future__ import annotations

import re

from sqlalchemy import select

from registry.models import AuditEvent, Role


def test_a_password_reset_can_be_completed_from_the_outbox(client, db, make_user, login_as):
    stakeholder = make_user(email="amina@example.org")
    client.post("/account/reset", data={"email": stakeholder.email})
    admin = make_user(role=Role.admin)
    login_as(admin)
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "amina@example.org" in listing and "Reset your Pledge Registry password" in listing
    assert 'data-status="logged"' in listing
    message_id = re.search(r'href="/admin/outbox/(\d+)"', listing).group(1)
    message = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    link = re.search(r'<a href="(http[^"]+/account/reset/[^"]+)"', message).group(1)
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.view"))
    assert audit.first() is not None  # reading a body (a reset link) is audit-logged
    client.post("/account/logout")
    path = link.split("registry.test", 1)[-1]
    new = "a brand new passphrase 77"
    client.post(path, data={"password": new, "password_confirm": new})
    assert login_as(stakeholder, new).status_code == 302


def test_the_outbox_filters_and_is_for_admins_only(client, db, make_user, login_as):
    make_user(email="one@example.org")
    client.post("/account/reset", data={"email": "one@example.org"})
    login_as(make_user(role=Role.coordinator))
    assert client.get("/admin/outbox").status_code == 403
    client.post("/account/logout")
    login_as(make_user(role=Role.admin))
    assert "one@example.org" in client.get("/admin/outbox?q=one@").get_data(as_text=True)
    assert "one@example.org" not in client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert client.get("/admin/outbox/999999").status_code == 404

"""`python app.py` on an empty instance folder: migrates, seeds and serves /healthz."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_python_app_py_serves_on_an_empty_instance(tmp_path):
    instance = tmp_path / "instance"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env |= {"INSTANCE_PATH": str(instance), "PORT": str(port)}
    server = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    assert json.load(r) == {"status": "ok", "database": "ok"}
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "server did not answer within 60 s"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/pledges/digital-protection") as r:
            assert "Digital Protection" in r.read().decode()
        _add_user(instance / "registry.db", "reader@example.org")
        _ask_for_a_password_reset(f"http://127.0.0.1:{port}")
        time.sleep(1.5)  # delivery runs on the worker thread after the commit
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert (instance / "registry.db").exists()
    secret = (instance / "secret_key").read_text()
    assert len(secret) >= 64 and oct((instance / "secret_key").stat().st_mode)[-3:] == "600"
    assert "create-user" in output  # it says how to create the first admin
    hint = next(line.strip() for line in output.splitlines() if "create-user" in line)
    program = hint.split()[0]
    assert (ROOT / program).exists() or program == "flask", hint  # e.g. .venv/bin/flask
    # With no MAIL_SERVER, every e-mail is written to the log, on the console (the README).
    assert "INFO registry.mail: e-mail 1 to reader@example.org" in output, output[-3000:]


def _add_user(database, email: str) -> None:
    """A login in the served registry's database (written from here, as the CLI would)."""
    from registry.accounts import operations
    from registry.audit import acting_as
    from registry.extensions import db
    from registry.models import Role
    from tests.conftest import make_app

    served = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with served.app_context(), acting_as(label="test"):
        operations.create_user(email, "Reader", "a long enough passphrase 12", Role.stakeholder)
        db.session.commit()


def _ask_for_a_password_reset(base: str) -> None:
    """Post the forgot-password form as a browser would (session cookie and CSRF token)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{base}/account/reset") as page:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode())
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "email": "reader@example.org"})
    with opener.open(f"{base}/account/reset", data=data.encode()) as answer:
        assert answer.status == 200

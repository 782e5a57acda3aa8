"""The running registry, attacked over real HTTP: gunicorn on loopback, on the test database
(SQLite, or PostgreSQL with TEST_DATABASE_URL), one server per test module.

A test writes its records through the usual fixtures (`make_user` …) into the same database the
server reads, then talks to the server with `requests`. Every loop is bounded and only ever
addresses 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD, ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    """A TCP port nothing listens on, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn process serving the registry on 127.0.0.1 with `env` on top of defaults."""

    browsers = 0

    def __init__(self, app, database_url: str, tmp: Path, workers: int = 1, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"server-{self.port}.log"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp / f"instance-{self.port}"),
            # The test app's: passwords are hashed with a salt derived from it.
            "SECRET_KEY": app.config["SECRET_KEY"],
            "BASE_URL": self.url,
            "LOG_LEVEL": "INFO",
            "MFA_REQUIRED_FOR_STAFF": "0",
            "MAIL_RETRY_SECONDS": "0.2",
        } | env
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        """Start gunicorn and wait (at most 30 s) until /healthz answers."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command on loopback
            [
                str(GUNICORN),
                "--workers",
                str(self.workers),
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "2",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=10).status_code in (200, 503):
                    return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer in 30 s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        """Stop gunicorn (and its workers)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log(self) -> str:
        """Everything the server wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self) -> Browser:
        """A new browser (its own cookies) pointed at this server. Behind TRUSTED_PROXIES
        each browser comes from an address of its own (X-Forwarded-For), as separate people
        do, so tests of other things do not run into the per-address rate limit."""
        browser = Browser(self.url)
        if self.env.get("TRUSTED_PROXIES"):
            Server.browsers += 1
            browser.headers["X-Forwarded-For"] = (
                f"10.{Server.browsers // 250 % 250}.{Server.browsers % 250}.9"
            )
        return browser


class Browser(requests.Session):
    """A cookie-keeping HTTP client for the live server that fills in CSRF tokens."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base
        # One connection per request: a kept-alive connection the server has just closed
        # would fail the next request with "Remote end closed connection".
        self.headers["Connection"] = "close"

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        if url.startswith("/"):
            url = self.base + url
        return super().request(method, url, *args, **kwargs)

    def csrf(self, path: str, **kwargs) -> str:
        """The CSRF token of the form at `path`."""
        page = self.get(path, **kwargs).text
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        assert match, f"no form with a CSRF token at {path}"
        return match.group(1)

    def submit(self, path: str, data: dict, form_at: str | None = None, **kwargs):
        """POST `data` to `path` with the CSRF token of the form at `form_at` (default: path)."""
        token = self.csrf(form_at or path)
        return self.post(path, data={"csrf_token": token, **data}, **kwargs)

    def login(self, email: str, password: str = PASSWORD):
        """Log in through the login form; the response."""
        return self.submit("/account/login", {"email": email, "password": password})


@pytest.fixture(scope="module")
def server_factory(database_url, tmp_path_factory, app):
    """Start servers for this module (stopped at its end): `server_factory(workers=2, **env)`."""
    started: list[Server] = []
    tmp = tmp_path_factory.mktemp("servers")

    def start(workers: int = 1, **env: str) -> Server:
        server = Server(app, database_url, tmp, workers, **env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()

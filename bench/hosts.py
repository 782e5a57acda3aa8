"""HTTP on loopback for the benchmarks and the two-host check: gunicorn instances of the
registry on free 127.0.0.1 ports, and a browser-like client (cookies, the login form's CSRF
token) built on the standard library. Nothing here talks to any other address."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`gunicorn -w N 'app:create_app()'` on 127.0.0.1:port with `env`, stopped by `stop`."""

    def __init__(
        self, env: dict, workers: int = 2, port: int | None = None, log: Path | None = None
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=os.environ | env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn on {self.port} exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn on {self.port} did not answer within 60 s")

    def stop(self) -> None:
        """Stop this server (and only it)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not subprocess.DEVNULL:
            self.log.close()


class Browser:
    """Cookies and forms, like a browser: the same cookies can be sent to another host."""

    def __init__(self, jar: http.cookiejar.CookieJar | None = None):
        self.jar = jar or http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def get(self, url: str) -> tuple[int, bytes, dict]:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, data: dict) -> tuple[int, bytes, dict]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))

    def _open(self, request) -> tuple[int, bytes, dict]:
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def csrf(self, url: str) -> str:
        """The CSRF token of the form on page `url`."""
        status, body, _ = self.get(url)
        found = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
            rb'type="hidden" name="csrf_token" value="([^"]+)"', body
        )
        if status != 200 or not found:
            raise RuntimeError(f"no CSRF token on {url} ({status})")
        return found.group(1).decode()

    def login(self, base: str, email: str, password: str, then: str | None = None) -> None:
        """Log in on `base`. Staff must have an authenticator app (MFA_REQUIRED_FOR_STAFF): at
        the first login it is set up as a person would, reading the key the set-up page shows,
        on host `then` when given (the half-done login is session state another host must
        know)."""
        token = self.csrf(base + "/account/login")
        status, body, headers = self.post(
            base + "/account/login", {"email": email, "password": password, "csrf_token": token}
        )
        if status != 302:
            raise RuntimeError(f"login on {base} answered {status}: {body[:300]!r}")
        if "/account/tf-setup" in headers.get("Location", ""):
            self._set_up_authenticator(then or base)

    def _set_up_authenticator(self, host: str) -> None:
        from passlib.totp import TOTP

        token = self.csrf(host + "/account/tf-setup")
        data = {"setup": "authenticator", "csrf_token": token}
        status, body, _ = self.post(host + "/account/tf-setup", data)
        key = re.search(rb"\b[A-Z2-7]{4}(?:-[A-Z2-7]{4})+\b", body)
        if status != 200 or not key:
            raise RuntimeError(f"no authenticator key on {host}/account/tf-setup ({status})")
        code = TOTP(key=key.group(0).decode().replace("-", ""), format="base32").generate().token
        data = {"code": code, "csrf_token": token}
        status, body, _ = self.post(host + "/account/tf-validate", data)
        if status != 302:
            raise RuntimeError(f"authenticator code refused on {host} ({status}): {body[:300]!r}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None

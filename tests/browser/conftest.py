"""Browser tests: Playwright for Python driving Debian's Chromium against the registry served
on loopback by a real `python app.py` process, each journey on a fresh instance (database).

They are slow (a browser, a server per journey), so they stay out of the default `pytest -q`
run: set BROWSER_TESTS=1 to run them (`.ci/run` does). With BROWSER_TESTS=1 a missing Chromium
or Playwright fails the run instead of skipping it. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import Mailbox

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
ENABLED = os.environ.get("BROWSER_TESTS") == "1"
PASSWORD = "a long pledge password 2026"
COORDINATOR = "demo.coordinator@example.org"
STAKEHOLDER = "demo.stakeholder@example.org"
ADMIN = "admin@example.org"


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests unless BROWSER_TESTS=1 (they need Chromium and take minutes)."""
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="browser tests run with BROWSER_TESTS=1 (see .ci/run)")
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Registry:
    """A registry served by `python app.py` on loopback, with its own instance folder."""

    url: str
    instance: Path
    process: subprocess.Popen
    log: Path
    #: The demo logins' password, made by `registry demo-data` for this registry.
    demo_password: str = ""
    #: What the registry has sent, when it sends to a test SMTP server (else None).
    mailbox: Mailbox | None = None
    #: Settings (environment) beside the journeys' own, for the server and its CLI.
    settings: dict = field(default_factory=dict)

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run `flask --app app …` against this instance; its standard output."""
        result = subprocess.run(
            [str(Path(sys.executable).with_name("flask")), "--app", "app", *args],
            cwd=ROOT,
            env=_env(self.instance, settings=self.settings),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def log_text(self) -> str:
        """What the server has written to its console so far."""
        return self.log.read_text(errors="replace")


#: Staff must set up an authenticator app at their first login (issue 16). The journeys are
#: about the daily work, so they run with it off; test_journeys' MFA journey turns it on and
#: sets up the app as a coordinator would.
JOURNEY_SETTINGS = {"MFA_REQUIRED_FOR_STAFF": "0"}


def _env(instance: Path, port: int | None = None, settings: dict | None = None) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "MAIL_SERVER", "LOG_LEVEL")
    }
    env |= {"INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1"}
    env |= JOURNEY_SETTINGS | (settings or {})
    if port:
        # Links in e-mails are built from BASE_URL only: the address this registry answers on.
        env |= {"PORT": str(port), "BASE_URL": f"http://127.0.0.1:{port}"}
    return env


def start_registry(instance: Path, settings: dict | None = None) -> Registry:
    """Serve a registry on an empty instance folder and wait until it answers /healthz."""
    port = _free_port()
    log = instance.parent / f"{instance.name}-server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env=_env(instance, port, settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the registry did not answer within 60 s"
            time.sleep(0.2)
    return Registry(url=url, instance=instance, process=process, log=log, settings=settings or {})


def stop_registry(registry: Registry) -> None:
    registry.process.terminate()
    try:
        registry.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        registry.process.kill()


@contextmanager
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback: the registry's mail goes there."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    mailbox.port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def registry(tmp_path):
    """A fresh registry (empty database, first pledge) for one journey, sending its e-mail
    to a test SMTP server (`registry.mailbox`), as a real deployment sends to its own."""
    with smtp_server() as mailbox:
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mailbox.port)}
        served = start_registry(tmp_path / "instance", mail)
        served.mailbox = mailbox
        yield served
        stop_registry(served)


@pytest.fixture
def mailless_registry(tmp_path):
    """A fresh registry on the embedded default: no MAIL_SERVER (mail is logged and kept in
    the outbox)."""
    served = start_registry(tmp_path / "instance")
    yield served
    stop_registry(served)


def load_demo(registry: Registry) -> Registry:
    """The demo data (its logins' password, made for this registry, read from what the
    command prints), and an admin with PASSWORD."""
    printed = registry.flask("registry", "demo-data")
    registry.demo_password = re.search(r"Log in with the password '([^']+)'", printed).group(1)
    registry.flask("registry", "create-user", ADMIN, "--role", "admin", stdin=PASSWORD + "\n")
    return registry


@pytest.fixture
def demo_registry(registry):
    """A fresh registry with the demo data, a coordinator, a stakeholder and an admin."""
    return load_demo(registry)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless (Playwright cannot download browsers here)."""
    for stale in ARTIFACTS.glob("FAILED-*.png"):
        stale.unlink()
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A new browser context and page at 1280 × 900; a failing test leaves a screenshot."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        shoot(tab, f"FAILED-{request.node.name}")
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def shoot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot of the page under test-artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


AXE_BLOCKING = ("serious", "critical")


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in AXE_BLOCKING
    ]


def log_in(page, registry: Registry, email: str, password: str | None = None) -> None:
    """Log in through the login page (by default with the demo logins' password)."""
    page.goto(f"{registry.url}/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password or registry.demo_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def read_link(registry: Registry, to: str, path: str, timeout: float = 10) -> str:
    """The first link to `path` in the latest e-mail the registry sent to `to` (as its
    owner would find it in their mailbox)."""
    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(registry.mailbox.messages):
            if to in message["To"]:
                body = message.get_body(preferencelist=("plain",)).get_content()
                if found := re.search(rf"https?://\S+{re.escape(path)}\S*", body):
                    return found.group(0)
        assert time.monotonic() < deadline, f"no e-mail to {to} with a link to {path}"
        time.sleep(0.2)


def log_out(page) -> None:
    """Log out through the account menu (once the page has loaded: until its script runs, the
    menu's toggle is the no-JavaScript link to the account page)."""
    page.wait_for_load_state()
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()

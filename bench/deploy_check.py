"""The scaled deployment, run for real on one machine: two web hosts and a job worker sharing one
PostgreSQL and one Redis, as the README's "Scaled deployment" section sets them up.

    .venv/bin/python bench/deploy_check.py --database-url postgresql+psycopg://u:p@127.0.0.1/db \\
        --redis-url redis://127.0.0.1:6390/1 [--quick]

The database is emptied first and the Redis database flushed: give it ones it may wipe. Steps:

1. release step: `flask db upgrade` once, then the first coordinator (and with the full run the
   demo registry) from the shell;
2. two gunicorn instances (2 workers each) on two loopback ports stand in for two web hosts,
   one `rq worker` for the worker host, and a static file server for the front server's
   `/static/` and `/bootstrap/static/` (gunicorn never serves them); an SMTP server
   (aiosmtpd) on loopback counts mail;
3. checks: every static file the home page links is served by the front server; a session
   made on host A works on host B; a report requested through A is rendered by the worker and
   downloaded through B; e-mail queued on A and on B at once (and a shell `registry outbox` at
   the same time) is sent exactly once per message; the login rate limit is shared (the 11th
   attempt within a minute is refused whichever host it reaches).

Prints one line per check and exits non-zero with the reason when one fails. Only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hosts import BIN, Browser, Server, free_port  # noqa: E402

EMAIL, PASSWORD = "coordinator@deploy-check.example.org", "deploy check password 42"


def check(name: str, ok: bool, detail: str = "") -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
    if not ok:
        raise SystemExit(f"deploy check failed: {name} {detail}")


class Mailbox:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=os.environ | env,
        input=stdin,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr or done.stdout}")
    return done.stdout


def release(env: dict, database_url: str, redis_url: str, quick: bool) -> None:
    """Empty the database and Redis, then the release step: migrations and first user."""
    import redis
    import sqlalchemy as sa

    engine = sa.create_engine(database_url.replace("postgresql+psycopg", "postgresql+psycopg"))
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    redis.Redis.from_url(redis_url).flushdb()
    flask(env, "db", "upgrade")
    flask(env, "registry", "create-user", EMAIL, "--role", "coordinator", stdin=PASSWORD + "\n")
    for n in (1, 2):
        address = f"member{n}@deploy-check.example.org"
        flask(env, "registry", "create-user", address, "--role", "admin", stdin=PASSWORD + "\n")
    if not quick:
        flask(env, "registry", "demo-data")
    check("release step: migrations and first users", True)


def front_root(folder: Path) -> Path:
    """What the front server serves, as the README's configuration maps it: /static/ from the
    project's static/ folder, /bootstrap/static/ from Bootstrap-Flask's (`flask registry
    static-folders` prints both)."""
    root = folder / "front"
    env = {"INSTANCE_PATH": str(folder / "instance")}
    for line in flask(env, "registry", "static-folders").splitlines():
        prefix, path = line.split(" ", 1)
        (root / prefix.strip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / prefix.strip("/")).symlink_to(path)
    return root


def static_check(front: str, host: str) -> None:
    browser = Browser()
    status, body, _ = browser.get(host + "/")
    links = sorted(set(re.findall(rb'(?:href|src)="((?:/bootstrap)?/static/[^"?#]+)', body)))
    check("home page on a web host", status == 200 and bool(links), f"{len(links)} static links")
    missing = [link for link in links if Browser().get(front + link.decode())[0] != 200]
    check("static files served by the front server", not missing, ", ".join(map(str, missing)))


def session_check(a: str, b: str) -> Browser:
    browser = Browser()
    # The password on A, the authenticator's set-up and code on B, the dashboard on B.
    browser.login(a, EMAIL, PASSWORD, then=b)
    status, _body, headers = browser.get(b + "/coordinate/dashboard")
    check("a session made on host A works on host B", status == 200, f"B answered {status}")
    return browser


def report_check(browser: Browser, a: str, b: str, worker_log: Path) -> None:
    token = browser.csrf(a + "/coordinate/reports")
    status, _body, headers = browser.post(
        a + "/coordinate/reports", {"csrf_token": token, "report": "engagement"}
    )
    location = headers.get("Location", "")
    found = re.search(r"/coordinate/reports/(\d+)", location)
    check("report requested through host A", status == 302 and bool(found), location)
    run_id = found.group(1)
    deadline, page = time.monotonic() + 180, b""
    while time.monotonic() < deadline:
        _status, page, _ = browser.get(f"{b}/coordinate/reports/{run_id}")
        if b".pdf" in page or b"Failed" in page:
            break
        time.sleep(1)
    status, pdf, headers = browser.get(f"{b}/coordinate/reports/{run_id}.pdf")
    check(
        "the report downloaded through host B",
        status == 200 and pdf.startswith(b"%PDF"),
        f"{status}, {len(pdf)} bytes",
    )
    log = worker_log.read_text(errors="replace")
    check(
        "the report rendered by the rq worker",
        "registry.reports.jobs:run_report" in log,
        "the worker's log names the job",
    )


def mail_check(a: str, b: str, env: dict, mailbox: Mailbox) -> None:
    """Password-reset mail asked on A and on B at the same moment, and the shell's outbox
    command meanwhile: three deliveries race for two messages."""
    addresses = [f"member{n}@deploy-check.example.org" for n in (1, 2)]

    def ask(host: str, address: str) -> None:
        browser = Browser()
        token = browser.csrf(host + "/account/reset")
        browser.post(host + "/account/reset", {"csrf_token": token, "email": address})

    threads = [
        threading.Thread(target=ask, args=(host, address))
        for host, address in zip((a, b), addresses, strict=True)
    ]
    threads.append(threading.Thread(target=flask, args=(env, "registry", "outbox")))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(not mailbox.to(x) for x in addresses):
        time.sleep(0.5)
    time.sleep(3)  # any second delivery would arrive by now
    counts = [len(mailbox.to(address)) for address in addresses]
    check("e-mail queued on A and on B is sent exactly once each", counts == [1, 1], f"{counts}")


def rate_limit_check(a: str, b: str) -> None:
    """The login form allows 10 attempts a minute per address, counted in Redis by every
    host: alternating hosts, the 11th attempt (10 already spent at most) is refused."""
    statuses = []
    for n in range(20):
        host = (a, b)[n % 2]
        browser = Browser()
        token = browser.csrf(host + "/account/login")
        status, _body, _ = browser.post(
            host + "/account/login",
            {"email": EMAIL, "password": "wrong password", "csrf_token": token},
        )
        statuses.append(status)
        if status == 429:
            break
    refused_at = statuses.index(429) + 1 if 429 in statuses else None
    check(
        "rate limits are shared by the hosts",
        refused_at is not None and refused_at <= 11,
        f"refused at attempt {refused_at} (this run's earlier logins count too)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to wipe")
    parser.add_argument("--redis-url", required=True, help="a Redis database to flush")
    parser.add_argument("--quick", action="store_true", help="no demo data (for CI)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("the scaled deployment runs on PostgreSQL")
    started = time.monotonic()
    mailbox = Mailbox()
    folder = Path(tempfile.mkdtemp(prefix="deploy-check-"))
    env = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": "deploy-check-secret-the-same-on-every-host",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mailbox.port),
        "INSTANCE_PATH": str(folder / "instance"),
        "LOG_LEVEL": "INFO",
    }
    release(env, args.database_url, args.redis_url, args.quick)
    processes, servers = [], []
    try:
        worker_log = folder / "worker.log"
        with worker_log.open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [str(BIN / "rq"), "worker", "--url", args.redis_url],
                    cwd=ROOT,
                    env=os.environ | env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        front_port = free_port()
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "http.server", str(front_port), "--bind", "127.0.0.1"],
                cwd=front_root(folder),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for name in ("a", "b"):
            servers.append(Server(env, workers=2, log=folder / f"host-{name}.log"))
        a, b = servers[0].url, servers[1].url
        check("two web hosts and a worker started", True, f"A {a}, B {b}")
        time.sleep(0.5)
        static_check(f"http://127.0.0.1:{front_port}", a)
        browser = session_check(a, b)
        report_check(browser, a, b, worker_log)
        mail_check(a, b, env, mailbox)
        rate_limit_check(a, b)
    finally:
        for server in servers:
            server.stop()
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        mailbox.controller.stop()
    print(f"deploy check passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

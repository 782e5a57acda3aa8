"""Row 7: rate limits that hold across two gunicorn workers (shared Redis storage), per
address and per account, so one address cannot lock everyone out; a Redis outage degrades to
per-process counting with a warning, never a 500, and /healthz says so."""

from __future__ import annotations

import os
import subprocess

import pytest
import redis

from tests.conftest import PASSWORD, test_redis_url
from tests.security.conftest import GUNICORN, ROOT, free_port

#: Servers with two workers and timeouts to wait out: run by .ci/run as a step of its own.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def limits_url():
    url = test_redis_url()
    if not url:
        pytest.skip("needs TEST_REDIS_URL (CI starts a Redis)")
    return url.rsplit("/", 1)[0] + "/7"  # a database of its own


@pytest.fixture
def clean(limits_url):
    redis.Redis.from_url(limits_url).flushdb()


@pytest.fixture(scope="module")
def server(server_factory, limits_url):
    return server_factory(workers=2, RATELIMIT_STORAGE_URI=limits_url, TRUSTED_PROXIES="1")


def _attempt(server, email, password="not the password", address="10.0.0.1"):
    browser = server.client()
    headers = {"X-Forwarded-For": address}
    token = browser.csrf("/account/login", headers=headers)
    response = browser.post(
        "/account/login",
        data={"csrf_token": token, "email": email, "password": password},
        headers=headers,
    )
    return response.status_code


def test_two_workers_share_the_per_address_limit(server, clean):
    codes = [_attempt(server, f"guess{n}@example.org") for n in range(12)]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]


def test_one_account_is_limited_from_any_address(server, clean, make_user):
    victim = make_user(email="victim@example.org")
    codes = [_attempt(server, victim.email, address=f"10.0.1.{n}") for n in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_one_busy_address_does_not_lock_everyone_out(server, clean, make_user):
    user = make_user(email="bystander@example.org")
    for n in range(11):
        _attempt(server, f"noise{n}@example.org", address="10.0.2.1")
    assert _attempt(server, "noise@example.org", address="10.0.2.1") == 429
    assert _attempt(server, user.email, PASSWORD, address="10.0.2.2") == 302


def test_redis_down_degrades_to_memory_and_healthz_says_so(server_factory):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    broken = server_factory(RATELIMIT_STORAGE_URI=dead, REDIS_URL=dead)
    health = broken.client().get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "error", "database": "ok", "redis": "unreachable"}
    codes = [_attempt(broken, f"guess{n}@example.org") for n in range(11)]
    assert 500 not in codes and codes[:10] == [200] * 10 and codes[10] == 429
    assert "falling back to in-memory storage" in broken.log().lower()


def test_gunicorn_refuses_two_workers_without_shared_storage(tmp_path):
    result = subprocess.run(  # noqa: S603 - a fixed command, no network
        [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{free_port()}", "app:create_app()"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "INSTANCE_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "shared rate-limit storage" in result.stderr

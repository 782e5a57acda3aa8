"""Rate limits on the account forms, checked in a separate process (the limiter is global)."""

import subprocess
import sys
import textwrap

from tests.conftest import ROOT

SCRIPT = textwrap.dedent(
    """
    import sys
    from app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    codes = [
        client.post("/account/login", data={"email": sys.argv[2], "password": "wrong guess"})
        .status_code
        for _ in range(11)
    ]
    print(" ".join(map(str, codes)))
    """
)


def test_login_attempts_are_rate_limited(database_url, make_user, tmp_path):
    user = make_user()
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, database_url, user.email],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    codes = result.stdout.split()
    assert codes[:10] == ["200"] * 10, result.stderr[-2000:]
    assert codes[10] == "429"

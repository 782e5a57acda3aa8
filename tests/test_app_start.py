"""`python app.py` on an empty instance folder: migrates, seeds and serves /healthz."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

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
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert (instance / "registry.db").exists()
    secret = (instance / "secret_key").read_text()
    assert len(secret) >= 64 and oct((instance / "secret_key").stat().st_mode)[-3:] == "600"
    assert "create-user" in output  # it says how to create the first admin

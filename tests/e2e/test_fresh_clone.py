"""What the README promises on a fresh machine: clone, `make install`, `make run` serves."""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.browser.fixtures import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.fresh_clone, pytest.mark.slow]


def test_fresh_clone_installs_migrates_seeds_and_serves_chinese(tmp_path):
    clone = tmp_path / "quanzi"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "VIRTUAL_ENV"}
    }
    install = subprocess.run(
        ["make", "install"], cwd=clone, env=env, capture_output=True, text=True, timeout=900
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    assert (clone / ".venv" / "bin" / "gunicorn").exists(), "gunicorn is installed with the app"
    assert (clone / "translations" / "zh" / "LC_MESSAGES" / "messages.mo").exists()

    port = free_port()
    env.update({"PORT": str(port), "QUANZI_INSTANCE_DIR": str(tmp_path / "instance")})
    log = (tmp_path / "run.log").open("w")
    server = subprocess.Popen(
        ["make", "run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", timeout=180)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.read() == b'{"db":"ok","status":"ok"}\n'
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}
        )
        with urllib.request.urlopen(request) as response:
            html = response.read().decode()
        assert 'lang="zh-CN"' in html and "圈子" in html and "data-tabbar" in html
        assert (tmp_path / "instance" / "quanzi.db").exists()
        assert (tmp_path / "instance" / "secret_key").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
    run_log = (tmp_path / "run.log").read_text()
    assert "demo data loaded" in run_log, run_log[-2000:]

"""`make lab` starts JupyterLab where learners run it: as root (containers, cloud VMs) and headless.

The test runs the real target on a free local port with no screen, fetches the notebook list and
one chapter through the server's REST API, then stops the server by its process (group) id.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "mlp-from-scratch-test-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture()
def lab_server():
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("make lab uses the project's .venv (run make install)")
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["JUPYTER_RUNTIME_DIR"] = str(ROOT / "_build" / "test-lab-runtime")
    args = f"--port={port} --ip=127.0.0.1 --IdentityProvider.token={TOKEN} --ServerApp.open_browser=False"
    log = open(ROOT / "_build" / "test-lab.log", "w") if (ROOT / "_build").is_dir() else subprocess.DEVNULL
    process = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # the first run installs JupyterLab
        while True:
            if process.poll() is not None:
                pytest.fail(f"make lab exited with code {process.returncode} before serving (see _build/test-lab.log)")
            try:
                _get(f"{base}/api/status")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer within 240 s")
                time.sleep(0.5)
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if log is not subprocess.DEVNULL:
            log.close()


def test_make_lab_serves_the_chapters_headless(lab_server):
    base, process = lab_server
    listing = _get(f"{base}/api/contents")  # `jupyter lab chapters` serves chapters/ as its root
    names = {item["name"] for item in listing["content"]}
    chapters = sorted(path.name for path in (ROOT / "chapters").glob("*.ipynb"))
    assert set(chapters) <= names
    chapter = _get(f"{base}/api/contents/{chapters[0]}")
    assert chapter["type"] == "notebook"
    assert chapter["content"]["cells"][0]["source"].startswith("# ")
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=30) is not None
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        _get(f"{base}/api/status")

"""Servers and a headless Chromium for the browser tests.

Skipped, with the reason, where Playwright or Debian's chromium is missing:
``apt-get install chromium`` and ``pip install -r requirements-browser.txt`` bring them.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from demo_project.lab.serving import stop

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited ({process.returncode}) before {url} answered.")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:g} s.")


@contextlib.contextmanager
def serving(command: list[str], env: dict, ready: str):
    """Run a server for the block: wait until ``ready`` answers, stop it afterwards."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_http(ready, process)
        yield
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright is not installed: pip install -r requirements-browser.txt",
    )
    executable = chromium_path()
    if executable is None:
        pytest.skip("No chromium on this machine: apt-get install chromium")
    with playwright_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_FLAGS
            )
        except playwright_api.Error as error:
            pytest.skip(f"{executable} does not start headless here: {error.message[:200]}")
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def jupyterlab(tmp_path):
    """Start JupyterLab on loopback over a copy of the notebooks; yield its base URL."""
    workdir = tmp_path / "workbook"
    shutil.copytree(ROOT / "notebooks", workdir / "notebooks")
    settings = tmp_path / "lab-settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "notebook-extension").mkdir(parents=True)
    # No "would you like news?" prompt over the notebook.
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # Every cell drawn, not only those in view, so that the test can scroll to any output.
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"})
    )
    port = free_port()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root"]
    command += [f"--port={port}", "--ip=127.0.0.1", f"--ServerApp.root_dir={workdir}"]
    command += ["--IdentityProvider.token=", "--ServerApp.password="]
    base = f"http://127.0.0.1:{port}"
    with serving(command, env, ready=f"{base}/api"):
        yield base


@pytest.fixture
def api_server(tmp_path):
    """Run manage.py runserver over a small seeded SQLite file; yield its base URL."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("CACHE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    seed = [*manage, "seed_catalog", "--items", "20"]
    subprocess.run(seed, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    runserver = [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"]
    with serving(runserver, env, ready=f"{base}/api/v1/tags/"):
        yield base

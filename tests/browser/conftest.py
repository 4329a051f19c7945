"""Servers and a headless Chromium for the browser tests.

Skipped, with the reason, where Playwright or Debian's chromium is missing:
``apt-get install chromium`` and ``pip install -r requirements-browser.txt`` bring them.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from demo_project.tools.serving import free_port, serving

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


def run_all_cells(page, timeout: float = 120_000) -> None:
    """Clear the open notebook's outputs, run every cell, wait until each code cell has run."""
    # Clear the stored outputs first, so that every prompt and output checked afterwards
    # comes from this run. The execution indicator can say idle a moment before the
    # kernel's channels are up, and a Run All sent then is dropped: run again until the
    # first cell has run (three tries).
    # A click that lands while JupyterLab is still settling (a notification, the document
    # loading) can be dropped as well: clear again until the prompts are empty (three tries).
    first_prompt = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").first
    for attempt in range(3):
        page.get_by_role("menuitem", name="Edit", exact=True).click()
        page.get_by_role("menuitem", name="Clear Outputs of All Cells", exact=True).click()
        try:
            page.wait_for_function(
                "p => !/\\d/.test(p.textContent)", arg=first_prompt.element_handle(), timeout=10_000
            )
            break
        except Exception:
            if attempt == 2:
                raise
    for _attempt in range(3):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(
                "p => /\\[\\d+\\]/.test(p.textContent)",
                arg=first_prompt.element_handle(),
                timeout=30_000,
            )
            break
        except Exception:
            continue
    # Every code cell gets an execution count ("[3]:", not "[*]:" or "[ ]:").
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=timeout,
    )


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
    # Local development, as the README serves it (runserver serves Swagger UI's files
    # only with DEBUG on), with keys made for this server.
    env |= {"DJANGO_DEBUG": "1", "WORKBOOK_EPHEMERAL_KEYS": "1"}
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

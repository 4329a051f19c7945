"""A lesson cell run before the setup cell says, in one line, to run the setup cell.

The hint comes from the workbook's IPython profile (demo_project/lab/ipython_kernel_config.py,
which `make install` copies into var/ipython). Here it is installed from that source into a
fresh IPYTHONDIR, as on a new machine; the kernel test runs in `make test`, the browser test
in the browser lane.
"""

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from demo_project.lab.ready import BEFORE_SETUP

ROOT = Path(__file__).resolve().parents[2]
PROFILE_SOURCE = ROOT / "demo_project" / "lab" / "ipython_kernel_config.py"
LESSON = "notebooks/00-start-here.ipynb"
# Lesson 00's third code cell: Django's models and migrations, read before any setup.
BELOW_SETUP = 2
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def install_profile(ipythondir: Path) -> None:
    """Copy the workbook's kernel profile into ``ipythondir``, as `make install` does."""
    folder = ipythondir / "profile_default"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROFILE_SOURCE, folder / "ipython_kernel_config.py")


def lesson_code_cells() -> list[str]:
    lesson = nbformat.read(ROOT / LESSON, as_version=4)
    return [cell.source for cell in lesson.cells if cell.cell_type == "code"]


def run_in_a_new_kernel(sources: list[str], ipythondir: Path, monkeypatch) -> list:
    """Run ``sources`` as the cells of a notebook in a new kernel; return its cells."""
    from nbclient import NotebookClient

    monkeypatch.setenv("IPYTHONDIR", str(ipythondir))
    # A learner's kernel: none of the test run's Django settings in its environment.
    for name in ("DJANGO_SETTINGS_MODULE", "WORKBOOK_EPHEMERAL_KEYS", "DJANGO_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(ipythondir / "runtime"))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True).execute()
    return notebook.cells


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(lesson_code_cells()[BELOW_SETUP], id="django-models-before-setup"),
        pytest.param('lab.client.get("/api/v1/items/")', id="lab-before-setup"),
        pytest.param("from django.conf import settings\nsettings.DEBUG", id="settings"),
    ],
)
def test_a_cell_run_before_the_setup_cell_says_to_run_it_in_one_line(tmp_path, monkeypatch, source):
    install_profile(tmp_path / "ipython")
    setup = lesson_code_cells()[0]
    before, _setup, after = run_in_a_new_kernel(
        [source, setup, source], tmp_path / "ipython", monkeypatch
    )

    (error,) = before.outputs
    assert error.output_type == "error"
    assert [ANSI.sub("", line) for line in error.traceback] == [f"{error.ename}: {BEFORE_SETUP}"]
    # Once the setup cell has run, the same cell runs.
    assert all(output.output_type != "error" for output in after.outputs), after.outputs


def test_other_errors_keep_their_traceback(tmp_path, monkeypatch):
    install_profile(tmp_path / "ipython")
    typo, django_error = run_in_a_new_kernel(
        [
            "def f():\n    return undefined_name\nf()",
            "from demo_project.lab import boot\nlab = boot(items=3)\n"
            "from django.core.exceptions import ImproperlyConfigured\n"
            "raise ImproperlyConfigured('a real misconfiguration')",
        ],
        tmp_path / "ipython",
        monkeypatch,
    )

    for cell, message in [
        (typo, "name 'undefined_name' is not defined"),
        (django_error, "a real misconfiguration"),
    ]:
        (error,) = cell.outputs
        text = ANSI.sub("", "\n".join(error.traceback))
        assert error.evalue == message and BEFORE_SETUP not in text
        assert "Traceback" in text and len(error.traceback) > 1


@pytest.mark.browser
def test_after_a_restart_a_cell_below_the_setup_cell_says_to_run_the_setup_cell(
    page, jupyterlab, tmp_path, screenshots
):
    install_profile(tmp_path / "ipython")  # the fixture's IPYTHONDIR, read by each kernel
    page.goto(f"{jupyterlab}/lab/tree/{LESSON}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)

    page.get_by_role("menuitem", name="Kernel", exact=True).click()
    page.locator(".lm-Menu [data-command='kernelmenu:restart']").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()  # Restart
    page.wait_for_selector(".jp-Dialog", state="detached", timeout=30_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)

    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(BELOW_SETUP)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")  # run this cell, stay on it
    error = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    error.wait_for(timeout=60_000)
    page.screenshot(path=screenshots / "restart-hint.png", full_page=False)

    lines = [line for line in error.inner_text().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].endswith(BEFORE_SETUP), lines
    assert "Traceback" not in lines[0]

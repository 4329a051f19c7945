"""Lesson 00 runs in JupyterLab itself: opened, run through the Run menu, no errors."""

import pytest

from tests.browser.conftest import run_all_cells

pytestmark = pytest.mark.browser

LESSON = "notebooks/00-start-here.ipynb"


def test_lesson_00_runs_in_jupyterlab(page, jupyterlab, screenshots):
    page.goto(f"{jupyterlab}/lab/tree/{LESSON}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)

    try:
        run_all_cells(page)
    except Exception as error:
        page.screenshot(path=screenshots / "00-start-here-timed-out.png", full_page=False)
        shown = page.locator(".jp-Notebook .jp-OutputArea-output").all_inner_texts()
        raise AssertionError(f"Not every cell ran; the outputs shown: {shown[:3]}") from error
    total = page.locator(".jp-Notebook .jp-CodeCell").count()
    assert total > 0
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.screenshot(path=screenshots / "00-start-here-end.png", full_page=False)
    # The lesson as a learner meets it: the boot cell and its output, then the first panel.
    page.locator(".jp-Notebook .jp-Cell").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=screenshots / "00-start-here.png", full_page=False)
    page.locator(".lab-query-panel").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=screenshots / "00-start-here-query-panel.png", full_page=False)

    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
    outputs = page.locator(".jp-Notebook .jp-OutputArea-output")
    assert outputs.count() >= total // 2, "Most code cells should show an output."
    assert page.locator("text=Django is ready").count() >= 1
    assert page.locator(".lab-query-panel").count() >= 1

"""Lesson 00 runs in JupyterLab itself: opened, run through the Run menu, no errors."""

import pytest

pytestmark = pytest.mark.browser

LESSON = "notebooks/00-start-here.ipynb"


def test_lesson_00_runs_in_jupyterlab(page, jupyterlab, screenshots):
    page.goto(f"{jupyterlab}/lab/tree/{LESSON}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)

    # Clear the stored outputs first, so that every prompt and output checked below comes
    # from this run. The execution indicator can say idle a moment before the kernel's
    # channels are up, and a Run All sent then is dropped: run again until the first cell
    # has run (three tries).
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    page.get_by_role("menuitem", name="Clear Outputs of All Cells", exact=True).click()
    first_prompt = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").first
    page.wait_for_function(
        "p => !/\\d/.test(p.textContent)", arg=first_prompt.element_handle(), timeout=10_000
    )
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

    code_cells = page.locator(".jp-Notebook .jp-CodeCell")
    total = code_cells.count()
    assert total > 0
    # Every code cell gets an execution count ("[3]:", not "[*]:" or "[ ]:").
    try:
        page.wait_for_function(
            """() => {
                const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            }""",
            timeout=120_000,
        )
    except Exception as error:
        page.screenshot(path=screenshots / "00-start-here-timed-out.png", full_page=False)
        shown = page.locator(".jp-Notebook .jp-OutputArea-output").all_inner_texts()
        raise AssertionError(f"Not every cell ran; the outputs shown: {shown[:3]}") from error
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

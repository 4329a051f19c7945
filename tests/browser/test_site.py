"""The built website (make site) in chromium: its pages, links and images, a lesson's outputs."""

import os
import re
import sys
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from demo_project.tools.serving import free_port, serving

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "var" / "site" / "html"
LESSONS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))
EXERCISES = sorted(path.stem for path in (ROOT / "exercises").glob("*.ipynb"))

# Everything a page links to, with the ids of its elements and the state of its images.
PAGE_REPORT = """() => ({
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    images: [...document.querySelectorAll('img')].map(
        img => ({src: img.currentSrc || img.src, width: img.naturalWidth})),
    ids: [...document.querySelectorAll('[id]')].map(element => element.id),
    note: document.querySelector('.run-it-yourself')?.innerText || '',
})"""


@pytest.fixture(scope="module")
def site():
    """Serve the built site on loopback; yield its base URL."""
    if not (SITE / "index.html").is_file():
        pytest.skip("The site is not built: make site")
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    command += ["--directory", str(SITE)]
    base = f"http://127.0.0.1:{port}/"
    with serving(command, dict(os.environ), ready=f"{base}index.html"):
        yield base


def visit(page, url: str) -> tuple[dict, list[str]]:
    """Open ``url``; return what it links to and every error it reported while loading."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    page.on(
        "response",
        lambda answer: answer.status >= 400 and errors.append(f"{answer.status}: {answer.url}"),
    )
    page.goto(url, wait_until="networkidle")
    return page.evaluate(PAGE_REPORT), errors


def test_every_page_loads_and_every_internal_link_and_image_resolves(browser, site):
    """Each page loads without an error, says how to run it; its links, anchors, images exist."""
    pages = sorted(
        path.relative_to(SITE).as_posix()
        for path in SITE.rglob("*.html")
        if "_static" not in path.parts  # the theme's template fragments, not pages
    )
    assert {f"notebooks/{stem}.html" for stem in LESSONS} <= set(pages)
    assert {f"exercises/{stem}.html" for stem in EXERCISES} <= set(pages)
    ids, links, problems = {}, set(), []
    for name in pages:
        context = browser.new_context()
        report, errors = visit(context.new_page(), urljoin(site, name))
        context.close()
        ids[urljoin(site, name)] = set(report["ids"])
        problems += [f"{name}: {error}" for error in errors]
        problems += [
            f"{name}: image {image['src']} did not load"
            for image in report["images"]
            if image["width"] == 0
        ]
        links |= {(name, link) for link in report["links"] if link.startswith(site)}
        if name != "search.html" and not {"make lab", "make test"} <= set(
            re.findall(r"make \w+", report["note"])
        ):
            problems.append(f"{name}: no 'run it yourself' note with make lab and make test")
    for name, link in sorted(links):
        target, anchor = urldefrag(link)
        path = urlparse(target).path.removeprefix(urlparse(site).path) or "index.html"
        if path.endswith("/"):
            path += "index.html"
        if not (SITE / path).is_file():
            problems.append(f"{name}: link to a missing file {link}")
        elif anchor and path.endswith(".html") and anchor not in ids[urljoin(site, path)]:
            problems.append(f"{name}: link to a missing anchor {link}")
    assert problems == []
    assert len(links) > 100


def test_the_table_of_contents_is_in_lesson_order(page, site):
    """The sidebar lists the lessons, then the exercises, each in their numbered order."""
    page.goto(site, wait_until="networkidle")
    hrefs = page.locator("nav.bd-links a.reference.internal").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    lessons = [href for href in hrefs if href.startswith("notebooks/")]
    exercises = [href for href in hrefs if href.startswith("exercises/")]
    assert lessons == [f"notebooks/{stem}.html" for stem in LESSONS]
    assert exercises == [f"exercises/{stem}.html" for stem in EXERCISES]
    assert hrefs.index(lessons[-1]) < hrefs.index(exercises[0])


def test_a_lesson_shows_its_query_panel_its_plot_and_how_to_run_it(page, site, screenshots):
    """Lesson 05's stored query panel and plot are drawn, under a note with the commands."""
    page.goto(urljoin(site, "notebooks/05-selectors-and-n-plus-one.html"), wait_until="networkidle")
    note = page.locator(".run-it-yourself")
    assert note.is_visible()
    assert "make lab" in note.inner_text()
    assert "make test" in note.inner_text()
    assert "notebooks/05-selectors-and-n-plus-one.ipynb" in note.inner_text()

    panel = page.locator(".cell_output .lab-query-panel").first
    panel.evaluate("element => element.scrollIntoView({block: 'start'})")
    assert panel.is_visible()
    assert "quer" in panel.inner_text()
    assert panel.locator("code.sql").count() > 0
    page.screenshot(path=screenshots / "site-query-panel.png")

    plot = page.locator(".cell_output img").first
    plot.evaluate("element => element.scrollIntoView({block: 'start'})")
    assert plot.is_visible()
    width = plot.evaluate("img => img.naturalWidth")
    assert width > 200
    page.screenshot(path=screenshots / "site-plot.png")

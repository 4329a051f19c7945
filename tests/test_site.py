"""No text of any solution region is in the built website (make site runs this after it).

The site shows the exercise notebooks as learners get them. A line of a solution region
(``### BEGIN SOLUTION``) or of a hidden test (``### BEGIN HIDDEN TESTS``) in solutions/
must appear in no built file: not in a page's text (code is split into highlighting
spans, so pages are compared by their text, not their markup), not in a downloadable
notebook, not in the search index.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "var" / "site" / "html"
REGION = re.compile(
    r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(?P<body>.*?)### END (SOLUTION|HIDDEN TESTS)", re.S
)
# Shorter lines (")", "pass", "return items") say nothing about an answer.
SHORTEST = 16


def cell_sources(path: Path) -> list[str]:
    return ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]]


def notebook_text(path: Path) -> str:
    """Return a notebook's cell sources and the text of its outputs."""
    parts = cell_sources(path)
    for cell in json.loads(path.read_text())["cells"]:
        for output in cell.get("outputs", []):
            texts = [output.get("text", ""), *output.get("data", {}).values()]
            parts += ["".join(text) for text in texts if isinstance(text, str | list)]
    return "\n".join(parts)


def solution_lines(solutions: Path, lessons: Path) -> set[str]:
    """Return the lines of solution regions and hidden tests that nothing published shows.

    A line that a lesson shows, or that the exercise itself gives outside its regions (the
    statement, a helper the answer reuses), is no secret. What is published is read from
    solutions/ and notebooks/, never from exercises/, the very files under test.
    """
    lines, published = set(), []
    for lesson in lessons.glob("*.ipynb"):
        published.append(notebook_text(lesson))
    for notebook in solutions.glob("*.ipynb"):
        for source in cell_sources(notebook):
            published.append(REGION.sub("", source))
            for region in REGION.finditer(source):
                lines |= {line.strip() for line in region["body"].splitlines()}
    published_text = "\n".join(published)
    return {line for line in lines if len(line) >= SHORTEST and line not in published_text}


class PageText(HTMLParser):
    """The text of a page as a reader (and a search engine) gets it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def file_text(path: Path) -> str:
    text = path.read_text(errors="replace")
    if path.suffix == ".html":
        parser = PageText()
        parser.feed(text)
        return "".join(parser.parts)
    if path.suffix == ".ipynb":
        return notebook_text(path)
    return text


def leaks(site: Path, lines: set[str]) -> dict[str, list[str]]:
    """Map each built file that contains one of ``lines`` to the lines it contains."""
    found = {}
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".js", ".txt", ".md"}:
            text = file_text(path)
            hits = sorted(line for line in lines if line in text)
            if hits:
                found[str(path.relative_to(site))] = hits
    return found


@pytest.fixture(scope="module")
def secrets() -> set[str]:
    lines = solution_lines(ROOT / "solutions", ROOT / "notebooks")
    assert len(lines) > 50, "the solution regions were not found in solutions/"
    return lines


def test_no_solution_text_is_in_the_built_site(secrets):
    """No line of a solution region or hidden test is in any file of the built site."""
    if not (SITE / "index.html").is_file():
        pytest.skip("The site is not built: make site")
    assert (SITE / "exercises" / "05-selectors-and-n-plus-one.html").is_file()
    assert leaks(SITE, secrets) == {}


def test_a_solution_line_split_into_highlighting_spans_is_found(secrets, tmp_path):
    """A leaked line is found though the highlighter splits it into spans and entities."""
    line = max(secrets, key=len)
    escaped = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    page = "".join(
        f'<span class="n">{char}</span>' if char.isalnum() else escaped.get(char, char)
        for char in line
    )
    (tmp_path / "page.html").write_text(f"<html><body><pre>{page}</pre></body></html>")
    (tmp_path / "clean.html").write_text("<html><body><p>Nothing here.</p></body></html>")
    assert list(leaks(tmp_path, secrets)) == ["page.html"]
    assert line in leaks(tmp_path, secrets)["page.html"]


def test_a_hidden_test_in_a_downloadable_notebook_is_found(secrets, tmp_path):
    """The hidden checks count as solution text, in a notebook offered for download."""
    hidden = sorted(line for line in secrets if "hidden=True" in line)
    assert hidden, "no hidden test line among the solution regions"
    cell = {"cell_type": "code", "source": [hidden[0]], "metadata": {}, "outputs": []}
    (tmp_path / "ex.ipynb").write_text(json.dumps({"cells": [cell]}))
    assert leaks(tmp_path, secrets) == {"ex.ipynb": [hidden[0]]}

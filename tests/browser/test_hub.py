"""A class on one hub: three learners log in through Chromium, pull the workbook with the
nbgitpuller link, run lesson 00, and each keeps their own files and their own database.

The hub is deploy/jupyterhub/jupyterhub_config.py as a server runs it, on loopback, with
the "simple" spawner (one home folder and one server process per learner, under the test's
own user) and the learners' repository published by deploy/jupyterhub/publish-learners.sh.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

import nbformat
import pytest

from demo_project.lab.serving import stop
from demo_project.tools.serving import wait_for_http
from tests.browser.conftest import run_all_cells

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "deploy" / "jupyterhub"
LEARNERS = ("ada", "grace", "linus")
PASSWORD = "class-password"
TOKEN = "hub-test-admin-token"
LESSON = "workbook/notebooks/00-start-here.ipynb"
EXERCISE = "exercises/01-models.ipynb"
LEARNER_LINE = "# ada's own answer, kept across pulls"
UPSTREAM_LINE = "An update from the instructor."


def free_ports(count: int, first: int = 18000, last: int = 18099) -> int:
    """The first of ``count`` consecutive free ports in first..last (the hub uses three)."""
    for base in range(first, last - count + 2):
        with contextlib.ExitStack() as stack:
            try:
                for port in range(base, base + count):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return base
    raise RuntimeError(f"No {count} consecutive free ports in {first}-{last}")


def api(base: str, path: str, method: str = "GET") -> dict | list | None:
    """Call the hub's REST API as the class-admin service."""
    request = urllib.request.Request(f"{base}/hub/api{path}", method=method)
    request.add_header("Authorization", f"token {TOKEN}")
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


@pytest.fixture
def learners_repo(tmp_path) -> Path:
    """The learners' repository, as an instructor publishes it (make learners)."""
    if not (ROOT / ".git").exists():
        pytest.skip("The hub test publishes this checkout's HEAD: it needs a git checkout")
    repo = tmp_path / "learners.git"
    subprocess.run([HUB / "publish-learners.sh", repo], check=True, capture_output=True)
    return repo


@pytest.fixture
def hub(tmp_path):
    """Run the hub on loopback; yield its base URL and the folder of the learners' homes."""
    pytest.importorskip("jupyterhub", reason="pip install -r requirements-hub.txt")
    pytest.importorskip("nbgitpuller", reason="pip install -r requirements-hub.txt")
    if not (HUB / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        pytest.skip("configurable-http-proxy is not installed: make install-hub")
    port = free_ports(3)
    homes = tmp_path / "homes"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL"}
    }
    env |= {
        "WORKBOOK_HUB_PORT": str(port),
        "WORKBOOK_HUB_HOMES": str(homes),
        "WORKBOOK_HUB_SPAWNER": "simple",
        "WORKBOOK_HUB_DATA": str(tmp_path / "hub-data"),
        "WORKBOOK_HUB_PASSWORD": PASSWORD,
        "WORKBOOK_HUB_LEARNERS": ",".join(LEARNERS),
        "WORKBOOK_HUB_API_TOKEN": TOKEN,
    }
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "jupyterhub", "-f", str(HUB / "jupyterhub_config.py")]
    log_path = tmp_path / "hub.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=log)
        try:
            try:  # about 12 s on an idle 2-core machine; far longer on a busy one
                wait_for_http(f"{base}/hub/api", process, timeout=300)
            except (RuntimeError, TimeoutError) as error:
                tail = log_path.read_text(errors="replace").splitlines()[-15:]
                raise RuntimeError(
                    "The hub did not start; its log ends:\n" + "\n".join(tail)
                ) from error
            yield base, homes
        finally:
            stop_servers(base)
            stop(process, timeout=60)


def stop_servers(base: str) -> None:
    """Stop every learner's server through the API; kill any the hub left behind."""
    with contextlib.suppress(OSError):
        users = api(base, "/users")
        pids = [u["servers"][""]["state"].get("pid") for u in users if "" in u["servers"]]
        for user in users:
            if "" in user["servers"]:
                api(base, f"/users/{user['name']}/server", method="DELETE")
        for pid in filter(None, pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)


def log_in(browser, base: str, name: str, link: str, password: str = PASSWORD):
    """Open the nbgitpuller link as ``name``: the hub asks to log in first."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(
        f"{base}/hub/login?next={quote(link)}", wait_until="domcontentloaded", timeout=120_000
    )
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(lambda url: "/hub/login" not in url, timeout=120_000)
    return page


def run_lesson(page, name: str, screenshots: Path, shot: str = "") -> None:
    """Wait for lesson 00 to open in JupyterLab, clear it, run every cell."""
    shot = screenshots / (shot or f"hub-{name}-00.png")
    try:
        page.wait_for_url(f"**/user/{name}/lab/tree/{LESSON}", timeout=300_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        idle = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
        page.wait_for_selector(idle, timeout=120_000)
        run_all_cells(page, timeout=180_000)
    except Exception:
        with contextlib.suppress(Exception):  # the picture must not hide the error
            page.screenshot(path=shot)
        raise
    page.screenshot(path=shot)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
    assert page.locator("text=Django is ready").count() >= 1


def run_new_cell(page, code: str) -> str:
    """Add a code cell at the end of the open notebook, run it, return its output."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    count = cells.count()
    cells.last.click()
    page.locator("[data-command='notebook:insert-cell-below']").first.click()
    cells.nth(count).locator(".cm-content").click()
    page.keyboard.type(code)
    page.keyboard.press("Control+Enter")
    cell = cells.nth(count)
    cell.locator(".jp-OutputArea-output").first.wait_for(timeout=60_000)
    return cell.locator(".jp-OutputArea-output").first.inner_text()


def update_upstream(repo: Path, work: Path) -> None:
    """The instructor changes the exercise ada edited, far from her cell, and publishes."""
    subprocess.run(["git", "clone", "--quiet", str(repo), str(work)], check=True)
    path = work / EXERCISE
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[-1].source += f"\n\n{UPSTREAM_LINE}"
    nbformat.write(notebook, path)
    git = ["git", "-C", str(work), "-c", "user.name=Instructor", "-c", "user.email=i@localhost"]
    subprocess.run([*git, "commit", "--quiet", "-am", "Exercise 01: a note"], check=True)
    subprocess.run([*git, "push", "--quiet", "origin", "HEAD"], check=True)


def test_three_learners_pull_run_and_keep_their_own_work(
    browser, hub, learners_repo, tmp_path, screenshots
):
    base, homes = hub
    link = urlsplit(pull_link(base, learners_repo.as_uri()))
    link = f"{link.path}?{link.query}"
    # The three log in and click the link one after another: the hub starts their servers
    # and nbgitpuller clones for all three at once.
    pages = {name: log_in(browser, base, name, link) for name in LEARNERS}
    try:
        check_the_class(pages, base, link, homes, learners_repo, tmp_path, screenshots)
    finally:
        for page in pages.values():
            page.context.close()


def check_the_class(pages, base, link, homes, learners_repo, tmp_path, screenshots):
    """Each learner runs lesson 00 with their own files and database; a pull keeps work."""
    for name, page in pages.items():
        run_lesson(page, name, screenshots)
        # A write in this learner's kernel, read back with every earlier learner's.
        code = (
            "import demo_project\n"
            "from demo_project.catalog.models import Tag\n"
            f"Tag.objects.create(name='written by {name}', slug='by-{name}')\n"
            "print(demo_project.__file__)\n"
            "loaded = get_ipython().extension_manager.loaded\n"
            "print('kit profile:', 'demo_project.lab.ready' in loaded)\n"
            "print(list(Tag.objects.filter(slug__startswith='by-').values_list('slug', flat=True)))"
        )
        shown = run_new_cell(page, code).splitlines()
        workbook = homes / name / "workbook"
        own = str(workbook / "demo_project" / "__init__.py")
        assert shown == [own, "kit profile: True", f"['by-{name}']"]
        assert (workbook / ".git").is_dir()
        assert not (workbook / "solutions").exists(), "answers are not handed out"

    # Ada answers the first exercise (saved on disk as JupyterLab saves it) ...
    ada = homes / "ada" / "workbook" / EXERCISE
    notebook = nbformat.read(ada, as_version=4)
    answer = next(cell for cell in notebook.cells if cell.cell_type == "code")
    answer.source = f"{LEARNER_LINE}\n{answer.source}"
    nbformat.write(notebook, ada)
    # ... the instructor publishes a change to it, and she clicks the link again.
    update_upstream(learners_repo, tmp_path / "instructor")
    pages["ada"].goto(f"{base}{link}", wait_until="domcontentloaded")
    pages["ada"].wait_for_url(f"**/user/ada/lab/tree/{LESSON}", timeout=120_000)
    merged = ada.read_text()
    assert LEARNER_LINE in merged and UPSTREAM_LINE in merged
    for name in LEARNERS[1:]:
        theirs = (homes / name / "workbook" / EXERCISE).read_text()
        assert LEARNER_LINE not in theirs and UPSTREAM_LINE not in theirs


def pull_link(base: str, repo: str) -> str:
    """The link deploy/jupyterhub/link.py prints for this hub and repository."""
    command = [sys.executable, str(HUB / "link.py"), base, repo]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()

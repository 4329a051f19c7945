"""The class's side of try-server.sh: learners and the instructor in headless Chromium.

    python deploy/jupyterhub/try_class.py first HUB LINK --password P --admin instructor \
        --admin-password Q ada grace
    python deploy/jupyterhub/try_class.py again HUB LINK --password P ada

"first": each person logs in, follows the nbgitpuller link, runs lesson 00, saves it, and
writes mine.txt beside it from their kernel, which runs as their own system user from their
own copy of the workbook; the instructor's admin page lists the learners.
"again" (after a restart of the hub and a second setup, or through HTTPS): a learner logs in
with the same password, follows the link again, and reads back the mine.txt their kernel
wrote.
Screenshots go to var/screenshots/try-*.png. Exits non-zero with the reason on a failure.
"""

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM_FLAGS, SCREENSHOTS, chromium_path  # noqa: E402
from tests.browser.test_hub import log_in, run_lesson, run_new_cell  # noqa: E402

WHO_AND_WHERE = (
    "import os, pwd, demo_project\n"
    "open('mine.txt', 'w').write('written by ' + pwd.getpwuid(os.getuid()).pw_name)\n"
    "print(pwd.getpwuid(os.getuid()).pw_name, demo_project.__file__)"
)


def open_as(browser, hub: str, name: str, link: str, password: str):
    """Log in, follow the link, and wait until the notebook's kernel is idle."""
    page = log_in(browser, hub, name, link, password=password)
    page.wait_for_url(f"**/user/{name}/lab/tree/**", timeout=300_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    # Now and then a fresh server's first notebook asks which kernel to start, the
    # notebook's own already chosen: answer as a learner would, until all is quiet.
    question = page.locator(".jp-Dialog").filter(has_text="Select Kernel")
    idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    quiet = 0
    for _second in range(120):
        if question.count():
            print(f"{name}: JupyterLab asked which kernel to start; Select")
            question.first.get_by_role("button", name="Select").click()
            quiet = 0
        quiet = quiet + 1 if idle.count() else 0
        if quiet == 3:
            return page
        page.wait_for_timeout(1000)
    raise TimeoutError(f"{name}'s notebook never settled with an idle kernel")


def first(browser, hub: str, link: str, people: dict[str, str], admin: str) -> None:
    """Everyone runs lesson 00 as their own user; the admin page lists them all."""
    for name, password in people.items():
        page = open_as(browser, hub, name, link, password)
        run_lesson(page, name, SCREENSHOTS, shot=f"try-{name}-00.png")
        page.keyboard.press("Control+s")
        shown = run_new_cell(page, WHO_AND_WHERE).strip()
        expected = f"{name} /home/{name}/workbook/demo_project/__init__.py"
        assert shown == expected, f"{name}'s kernel says {shown!r}, not {expected!r}"
        print(f"{name}: lesson 00 ran; kernel as {shown}")
        page.context.close()
    page = log_in(browser, hub, admin, "/hub/admin", password=people[admin])
    page.wait_for_selector("text=" + next(iter(people)), timeout=60_000)
    listed = page.content()
    missing = [name for name in people if name not in listed]
    assert not missing, f"the admin page does not list {missing}"
    print(f"{admin}: the admin page lists {', '.join(people)}")
    page.context.close()


def again(browser, hub: str, link: str, name: str, password: str) -> None:
    """The learner logs in with the same password and finds the file their kernel wrote."""
    page = open_as(browser, hub, name, link, password)
    shown = run_new_cell(page, "print(open('mine.txt').read())").strip()
    page.screenshot(path=SCREENSHOTS / f"try-{name}-again.png")
    assert shown == f"written by {name}", f"{name} finds {shown!r} in mine.txt"
    assert page.url.startswith(hub), f"{name} ended up at {page.url}"
    print(f"{name}: logged in again at {hub}, mine.txt still says {shown!r}")
    page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["first", "again"])
    parser.add_argument("hub", help="the hub's address, as the browser reaches it")
    parser.add_argument("link", help="the nbgitpuller link (make hub-link)")
    parser.add_argument("--password", required=True, help="the class password")
    parser.add_argument("--admin", default="instructor")
    parser.add_argument("--admin-password")
    parser.add_argument("learners", nargs="+")
    args = parser.parse_args()
    link = urlsplit(args.link)
    link = f"{link.path}?{link.query}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # A hub behind the try's Caddy has a certificate of Caddy's own local authority.
        tls = ["--ignore-certificate-errors"] if args.hub.startswith("https:") else []
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS + tls
        )
        if args.step == "first":
            people = dict.fromkeys(args.learners, args.password)
            people[args.admin] = args.admin_password
            first(browser, args.hub, link, people, args.admin)
        else:
            again(browser, args.hub, link, args.learners[0], args.password)
        browser.close()


if __name__ == "__main__":
    main()

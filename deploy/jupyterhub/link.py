"""Print the nbgitpuller link that puts the workbook in a learner's home and opens lesson 00.

    python deploy/jupyterhub/link.py https://hub.example.org https://example.org/workbook.git

The first click clones the repository into ~/workbook; a later click fetches the
instructor's changes and merges them, keeping what the learner changed (nbgitpuller).
"""

import argparse
from urllib.parse import urlencode

# The folder in each home; the hub's configuration puts it on the kernels' PYTHONPATH.
WORKBOOK = "workbook"
FIRST_LESSON = "notebooks/00-start-here.ipynb"


def pull_link(hub: str, repo: str, branch: str = "main") -> str:
    """The link for ``hub`` that pulls ``branch`` of ``repo`` and opens the first lesson."""
    query = {
        "repo": repo,
        "branch": branch,
        "targetpath": WORKBOOK,
        "urlpath": f"lab/tree/{WORKBOOK}/{FIRST_LESSON}",
    }
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{urlencode(query)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hub", help="the hub's address, as learners reach it")
    parser.add_argument("repo", help="the learners' repository (make learners)")
    parser.add_argument("--branch", default="main")
    args = parser.parse_args()
    print(pull_link(args.hub, args.repo, args.branch))


if __name__ == "__main__":
    main()

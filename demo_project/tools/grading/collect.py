"""Step 1, collect: find the submissions, name their learners, read them all into memory.

A learner is the folder a notebook sits in (``collected/alice/05-….ipynb``), or the name
an LMS export puts in the file name (Moodle: ``Full Name_12345_assignsubmission_file_05-….ipynb``;
Canvas: ``lastnamefirst_12345_67890_05-….ipynb``), or a notebook's own name when it is
none of the workbook's (``collected/bob.ipynb``). ``Copy of X``, ``X (1)`` and
``X-checkpoint`` are copies of ``X``; ``.ipynb_checkpoints``, ``__MACOSX`` and ``._*``
files are skipped, and so is any hidden folder (``.git``, a home's ``.local`` trash).

On a class's server (docs/jupyterhub.md) each home holds a copy of the workbook, a
folder with ``exercises/`` and ``notebooks/`` (``homes/alice/workbook/exercises/05-….ipynb``):
there only the notebooks in ``exercises/`` are submissions (not the lessons, any
``solutions/`` or other folders of the copy), and the learner is the folder the copy sits
in, the user's home (``alice``).

When one learner handed in two copies of one notebook, the copy saved last is graded (a
checkpoint only when nothing else is there) and both are reported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .records import Assignment, Submission

SKIPPED_FOLDERS = {".ipynb_checkpoints", "__MACOSX"}
COPY_OF = re.compile(r"^(?:copy of )+", re.IGNORECASE)
NUMBERED = re.compile(r"\s*\(\d+\)$")
CHECKPOINT = re.compile(r"-checkpoint$")
MOODLE = re.compile(r"^(?P<learner>.+?)_\d+_assignsubmission_[a-z]+_(?P<rest>.*)$")
CANVAS = re.compile(r"^(?P<learner>[a-z][a-z0-9-]*?)(?:_late)?_\d+_\d+_(?P<rest>.+)$")
CANVAS_RESUBMITTED = re.compile(r"-\d+$")


def collect(paths: list[Path], assignments: dict[str, Assignment]) -> list[Submission]:
    """Every notebook under ``paths``, named, read and identified; duplicates marked."""
    found = []
    for root in map(Path, paths):
        if root.is_file():
            files, base = [root], root.parent
        elif root.is_dir():
            files, base = sorted(root.rglob("*.ipynb")), root
        else:
            raise FileNotFoundError(f"{root}: no such file or folder.")
        for path in files:
            relative = path.relative_to(base)
            if skipped(relative):
                continue
            copy = workbook_copy(path, base if root.is_dir() else base.parent)
            named_from = base
            if copy is not None:
                if path.parent != copy / "exercises":
                    continue  # a lesson, a solution: the workbook's, not the learner's answers
                home = copy.parent
                named_from = base if base in home.parents else home.parent
                relative = home.relative_to(named_from) / path.name
            found.append(read(path, relative, named_from, assignments))
    choose_copies(found)
    return found


def skipped(relative: Path) -> bool:
    """Checkpoints, a Mac's leftovers, hidden folders: never a learner's submission."""
    folders = relative.parts[:-1]
    hidden = any(part.startswith(".") for part in folders)
    return hidden or bool(SKIPPED_FOLDERS & set(folders)) or relative.name.startswith("._")


def workbook_copy(path: Path, top: Path) -> Path | None:
    """The copy of the workbook ``path`` is in (a folder with exercises/ and notebooks/),
    looked for up to ``top``; None for a notebook that is not in one."""
    for folder in path.parents:
        if (folder / "exercises").is_dir() and (folder / "notebooks").is_dir():
            return folder
        if folder == top:
            return None
    return None


def clean_name(stem: str) -> tuple[str, str | None, bool]:
    """A file name's notebook name, the learner an LMS put in it, whether it is a checkpoint."""
    learner = None
    for pattern in (MOODLE, CANVAS):
        match = pattern.match(stem)
        if match:
            learner, stem = match["learner"], match["rest"]
            break
    stem = NUMBERED.sub("", COPY_OF.sub("", stem.strip()))
    checkpoint = bool(CHECKPOINT.search(stem))
    return CHECKPOINT.sub("", stem), learner, checkpoint


def learner_of(relative: Path, base: Path, stem: str, named: str | None, known: set) -> str:
    folders = [MOODLE.sub(r"\g<learner>", part) for part in relative.parts[:-1]]
    if folders:
        return "/".join(folders)
    if named:
        return named
    return base.name if stem in known else stem


def read(path: Path, relative: Path, base: Path, assignments: dict) -> Submission:
    stem, named, checkpoint = clean_name(path.stem)
    if stem not in assignments and CANVAS_RESUBMITTED.sub("", stem) in assignments:
        stem = CANVAS_RESUBMITTED.sub("", stem)
    learner = learner_of(relative, base, stem, named, set(assignments))
    submission = Submission(learner=learner, path=path)
    try:
        submission.content = path.read_bytes()
        mtime = path.stat().st_mtime
    except OSError as error:
        submission.notes.append(f"cannot read the file: {error.strerror or error}")
        return submission
    submission.rank = (checkpoint, -mtime, str(path))
    submission.nb = parse(submission)
    submission.notebook = identify(stem, submission.nb, assignments) or ""
    if not submission.notebook and submission.nb is not None:
        submission.notes.append("not one of the workbook's exercise notebooks")
    return submission


def parse(submission: Submission) -> dict | None:
    """The notebook as nbformat 4 (older versions upgraded), or None with a note why."""
    import nbformat

    try:
        text = submission.content.decode("utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        submission.notes.append(f"not a notebook: invalid JSON ({error})")
        return None
    if not isinstance(data, dict):
        submission.notes.append("not a notebook: no list of cells")
        return None
    try:
        nb = nbformat.reads(text, as_version=4)
        version = data.get("nbformat")
        if isinstance(version, int) and version < 4:
            submission.notes.append(f"nbformat {version} upgraded to 4")
        data = json.loads(nbformat.writes(nb))
    except Exception:  # anything nbformat cannot read is judged on its raw cells below
        pass
    if not isinstance(data.get("cells"), list):
        submission.notes.append("not a notebook: no list of cells")
        return None
    return data


def field(value, *keys):
    """``value[k1][k2]...`` where each level is a dict, else None (metadata can be anything)."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def identify(stem: str, nb: dict | None, assignments: dict[str, Assignment]) -> str | None:
    """Which assignment a submission answers: its metadata, its file name, or its cells."""
    number = field(nb, "metadata", "workbook", "exercises")
    for name, assignment in assignments.items():
        if isinstance(number, str) and number and assignment.number == number:
            return name
    if stem in assignments:
        return stem
    ids = {field(cell, "metadata", "nbgrader", "grade_id") for cell in field(nb, "cells") or []}
    ids.discard(None)
    for name, assignment in assignments.items():
        if ids & set(assignment.released):
            return name
    for name in assignments:
        if stem[:3] == name[:3] and stem[:2].isdigit():
            return name
    return None


def choose_copies(submissions: list[Submission]) -> None:
    """Keep one copy per learner and notebook: the one saved last; report the others."""
    groups: dict[tuple[str, str], list[Submission]] = {}
    for submission in submissions:
        if submission.notebook:
            groups.setdefault((submission.learner, submission.notebook), []).append(submission)
    for copies in groups.values():
        if len(copies) < 2:
            continue
        chosen, *others = sorted(copies, key=lambda s: s.rank)
        names = ", ".join(str(other.path) for other in others)
        chosen.notes.append(f"{len(copies)} copies handed in: graded this one, not {names}")
        for other in others:
            other.notes.append(f"another copy was graded: {chosen.path}")
            other.superseded = True

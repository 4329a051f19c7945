"""Collecting: learners named as instructors collect them; no file can stop the run.

Without a kernel: these build folders of notebooks and read what ``collect`` makes of them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from demo_project.tools.grading.assemble import assemble, load_assignments
from demo_project.tools.grading.collect import collect

ROOT = Path(__file__).resolve().parent.parent
FIVE = "05-selectors-and-n-plus-one"
SEVEN = "07-auth"


@pytest.fixture(scope="module")
def assignments():
    return load_assignments()


def released(stem: str) -> str:
    return (ROOT / "exercises" / f"{stem}.ipynb").read_text(encoding="utf-8")


def put(root: Path, relative: str, text: str | None = None, *, mtime: float | None = None):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(released(FIVE) if text is None else text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def graded(found) -> dict[str, str]:
    """learner -> the notebook graded for them, for the copies that are graded."""
    return {s.learner: s.notebook for s in found if not s.superseded and s.notebook}


def test_one_folder_per_learner_and_a_folder_of_folders(tmp_path, assignments):
    put(tmp_path, f"alice/{FIVE}.ipynb")
    put(tmp_path, f"section-b/bob/{FIVE}.ipynb")
    put(tmp_path, "carol.ipynb", released(SEVEN))  # a notebook named after its learner
    found = collect([tmp_path], assignments)
    assert graded(found) == {"alice": FIVE, "section-b/bob": FIVE, "carol": SEVEN}
    assert {s.path for s in found} == set(tmp_path.rglob("*.ipynb"))


def test_a_single_notebook_is_its_folders_learner(tmp_path, assignments):
    path = put(tmp_path, f"alice/{FIVE}.ipynb")
    assert graded(collect([path], assignments)) == {"alice": FIVE}


def test_lms_exports_name_the_learner_in_the_file_name(tmp_path, assignments):
    put(tmp_path, f"moodle/Ada Lovelace_12345_assignsubmission_file_{FIVE}.ipynb")
    put(tmp_path, f"moodle/Alan Turing_12346_assignsubmission_file_Copy of {FIVE}.ipynb")
    put(
        tmp_path,
        f"canvas/hopper_grace_98765_4321_{FIVE}.ipynb".replace("hopper_grace", "hoppergrace"),
    )
    put(tmp_path, f"canvas/lovelaceada_late_98766_4322_{FIVE}-1.ipynb")
    put(tmp_path, f"moodle-folders/Edsger Dijkstra_777_assignsubmission_file_/{FIVE}.ipynb")
    found = collect(
        [tmp_path / "moodle", tmp_path / "canvas", tmp_path / "moodle-folders"], assignments
    )
    assert graded(found) == {
        "Ada Lovelace": FIVE,
        "Alan Turing": FIVE,
        "hoppergrace": FIVE,
        "lovelaceada": FIVE,
        "Edsger Dijkstra": FIVE,
    }


def test_copies_checkpoints_and_mac_leftovers(tmp_path, assignments):
    put(tmp_path, f"alice/Copy of {FIVE}.ipynb")
    put(tmp_path, f"bob/{FIVE} (1).ipynb")
    put(tmp_path, f"carol/{FIVE}-checkpoint.ipynb")
    put(tmp_path, f"dave/.ipynb_checkpoints/{FIVE}-checkpoint.ipynb")
    put(tmp_path, f"__MACOSX/erin/{FIVE}.ipynb")
    put(tmp_path, f"erin/._{FIVE}.ipynb", "\x00\x05\x16\x07 AppleDouble")
    put(tmp_path, f"erin/{FIVE}.ipynb")
    found = collect([tmp_path], assignments)
    assert graded(found) == {"alice": FIVE, "bob": FIVE, "carol": FIVE, "erin": FIVE}
    assert len(found) == 4  # the checkpoint folder and the Mac's leftovers are not submissions


def test_two_copies_one_graded_the_one_saved_last_and_both_reported(tmp_path, assignments):
    older = put(tmp_path, f"alice/{FIVE}.ipynb", mtime=1_700_000_000)
    newer = put(tmp_path, f"alice/{FIVE} (1).ipynb", mtime=1_700_000_600)
    checkpoint = put(tmp_path, f"alice/{FIVE}-checkpoint.ipynb", mtime=1_700_009_000)
    found = {s.path: s for s in collect([tmp_path], assignments)}
    assert [path for path, s in found.items() if not s.superseded] == [newer]
    assert f"3 copies handed in: graded this one, not {older}, {checkpoint}" in found[newer].notes
    assert found[older].notes == [f"another copy was graded: {newer}"]


def test_two_learners_in_one_folder_are_two_learners(tmp_path, assignments):
    put(tmp_path, f"class/Ada Lovelace_1_assignsubmission_file_{FIVE}.ipynb")
    put(tmp_path, f"class/Alan Turing_2_assignsubmission_file_{FIVE}.ipynb")
    assert set(graded(collect([tmp_path / "class"], assignments))) == {
        "Ada Lovelace",
        "Alan Turing",
    }


ODD = {
    "workbook metadata null": lambda nb: nb["metadata"].update(workbook=None),
    "metadata a string": lambda nb: nb.update(metadata="mine"),
    "cell metadata a list": lambda nb: nb["cells"][3].update(metadata=[1, 2]),
    "nbgrader metadata a string": lambda nb: nb["cells"][3]["metadata"].update(nbgrader="x"),
    "a cell a string": lambda nb: nb["cells"].insert(2, "print('hi')"),
    "source a number": lambda nb: nb["cells"][3].update(source=42),
    "cells a dict": lambda nb: nb.update(cells={"a": 1}),
    "not an object": lambda nb: nb.clear() or nb.update(dummy=[]),
}


@pytest.mark.parametrize("change", ODD, ids=list(ODD))
def test_nothing_in_a_files_metadata_stops_collecting_or_assembling(tmp_path, assignments, change):
    nb = json.loads(released(SEVEN))
    ODD[change](nb)
    put(tmp_path, f"alice/{SEVEN}.ipynb", json.dumps(nb))
    (submission,) = collect([tmp_path], assignments)
    assert submission.learner == "alice"
    if submission.nb is not None and submission.notebook:
        run = assemble(submission.nb, assignments[submission.notebook])
        assert len(run.notebook.cells) >= len(assignments[SEVEN].exercises) * 2
    else:
        assert submission.notes, "a file that cannot be graded says why"


def test_nbformat_3_is_upgraded(tmp_path, assignments):
    nb = nbformat.read(ROOT / "exercises" / f"{SEVEN}.ipynb", as_version=4)
    put(tmp_path, f"alice/{SEVEN}.ipynb", nbformat.writes(nbformat.convert(nb, 3)))
    (submission,) = collect([tmp_path], assignments)
    assert submission.notebook == SEVEN
    assert "nbformat 3 upgraded to 4" in submission.notes
    run = assemble(submission.nb, assignments[SEVEN])
    assert run.notes == [] and run.missing == set()


def test_a_file_that_is_not_a_notebook_says_why(tmp_path, assignments):
    put(tmp_path, f"alice/{FIVE}.ipynb", '{"cells": [')
    put(tmp_path, "bob/notes.ipynb", json.dumps({"cells": [], "metadata": {}}))
    found = {s.learner: s for s in collect([tmp_path], assignments)}
    assert found["alice"].notebook == FIVE and found["alice"].nb is None
    assert found["alice"].notes[0].startswith("not a notebook: invalid JSON")
    assert found["bob"].notes == ["not one of the workbook's exercise notebooks"]


def hub_home(homes: Path, learner: str, *exercises: str) -> Path:
    """A learner's home as the hub leaves it: the workbook pulled, some exercises saved."""
    workbook = homes / learner / "workbook"
    for stem in (FIVE, SEVEN):
        put(workbook, f"notebooks/{stem}.ipynb")  # the lessons share the exercises' names
        put(workbook, f"solutions/{stem}.ipynb", released(stem))
    for stem in exercises:
        put(workbook, f"exercises/{stem}.ipynb", released(stem))
        put(workbook, f"exercises/.ipynb_checkpoints/{stem}-checkpoint.ipynb", released(stem))
    return workbook


def test_a_hubs_homes_one_folder_per_learner_exercises_only(tmp_path, assignments):
    homes = tmp_path / "homes"
    hub_home(homes, "alice", FIVE, SEVEN)
    hub_home(homes, "bob", SEVEN)
    put(homes, f"bob/.local/share/Trash/files/{FIVE}.ipynb")  # deleted in JupyterLab
    put(homes, f"bob/{FIVE}.ipynb")  # saved in the home, beside the workbook
    found = collect([homes], assignments)
    assert sorted((s.learner, s.notebook) for s in found) == [
        ("alice", FIVE),
        ("alice", SEVEN),
        ("bob", FIVE),
        ("bob", SEVEN),
    ]
    exercises = {s.path.parent.relative_to(homes).as_posix() for s in found}
    assert exercises == {"alice/workbook/exercises", "bob/workbook/exercises", "bob"}


def test_one_home_or_one_copy_is_named_by_its_user_folder(tmp_path, assignments):
    workbook = hub_home(tmp_path / "homes", "alice", FIVE)
    for root in (workbook.parent, workbook, workbook / "exercises" / f"{FIVE}.ipynb"):
        assert graded(collect([root], assignments)) == {"alice": FIVE}, root


def test_collected_folders_inside_a_checkout_are_not_a_copy_of_the_workbook(tmp_path, assignments):
    checkout = hub_home(tmp_path, "instructor")  # the instructor's own clone
    put(checkout, f"collected/alice/{FIVE}.ipynb")
    assert graded(collect([checkout / "collected"], assignments)) == {"alice": FIVE}

"""Self-checks of the exercise notebooks: run the learner's answer, compare, explain.

    from demo_project.lab.checks import check
    check("5.1")

``check`` finds the answer by name in the notebook (``active_item_rows`` for 5.1), runs it
on catalogs the learner has not seen (other seeds and sizes), compares with the reference
answer, holds the query budget with a silent query panel, and then either prints one
``✓`` line or raises:

- ``NotDone``: the answer still raises ``NotImplementedError``; its ``NotRun`` says the
  answer's cell (or the setup cell) has not run in this kernel, after a restart say;
- ``CheckFailed``: the answer is wrong; the message says what was expected, what came
  back, which queries ran, and gives a hint; its ``AnswerRaised`` says the learner's own
  code raised (an error, E, for the grader);
- ``HiddenCheckFailed``: the same, for the extra checks only the grader runs
  (``check("5.1", hidden=True)``).

An exercise that builds on an earlier one (6.2 reads through 6.1's answer) is checked with
the earlier one's reference answer in its place, and says so.

All of them show as a short message in the notebook, not a traceback through the kit
(IPython's ``_render_traceback_`` hook). Every check leaves the catalog as the notebook's
``boot()`` made it. Each lesson's checks live in ``lessonNN.py``; ``core.py`` holds what
they share.
"""

from __future__ import annotations

import sys

from ..boot import booted_lab
from . import (
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
)
from .core import (
    EXERCISES,
    AnswerRaised,
    CheckFailed,
    Context,
    ExerciseError,
    HiddenCheckFailed,
    NotDone,
    NotRun,
    filled_in,
    reference_answers,
    with_references,
)

__all__ = [
    "EXERCISES",
    "CheckFailed",
    "ExerciseError",
    "HiddenCheckFailed",
    "NotDone",
    "NotRun",
    "check",
    "progress",
]
LESSONS = (lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, lesson09)


VERDICT_MIME = "application/vnd.workbook.verdict+json"
# The last outcome of each exercise's own check in this kernel: (status, first line).
_OUTCOMES: dict[str, tuple[str, str]] = {}


def check(
    exercise_id: str,
    *,
    hidden: bool = False,
    namespace: dict | None = None,
    receipt: str | None = None,
) -> None:
    """Check the answer to ``exercise_id`` found in the calling notebook; print one ✓ line.

    With a ``receipt`` (the grader writes one into the check cells it runs), the outcome is
    also sent as a structured verdict that carries it, whatever the outcome: the grader
    counts only verdicts with its receipt, from its own check cells.
    """
    namespace = sys._getframe(1).f_globals if namespace is None else namespace
    try:
        summary = _run(exercise_id, hidden, namespace)
    except NotRun as outcome:
        _settle(receipt, exercise_id, hidden, "not run", outcome.headline())
        raise
    except NotDone as outcome:
        _settle(receipt, exercise_id, hidden, "not done", outcome.headline())
        raise
    except AnswerRaised as outcome:  # the learner's own code raised: E, as the guide says
        _settle(receipt, exercise_id, hidden, "error", outcome.headline())
        raise
    except CheckFailed as outcome:
        _settle(receipt, exercise_id, hidden, "failed", outcome.headline())
        raise
    except Exception as error:  # an interrupt is the grader's time limit, not a verdict
        _settle(receipt, exercise_id, hidden, "error", f"{type(error).__name__}: {error}")
        raise
    kind = "hidden checks" if hidden else "passes"
    line = f"✓ Exercise {exercise_id} {kind}: {summary}"
    print(line)
    _settle(receipt, exercise_id, hidden, "passed", line)


def progress(lesson: str):
    """Return a table of this notebook's exercises: done, wrong (and why), not done, not run.

    It reads the outcomes of the checks run in this kernel; ``make progress`` runs every
    exercise notebook afresh and shows the whole workbook.
    """
    import pandas as pd

    names = {"passed": "done", "failed": "wrong", "error": "wrong", "not done": "not done"}
    rows = []
    for exercise_id in EXERCISES:
        if exercise_id.split(".")[0] != str(int(lesson)):
            continue
        status, message = _OUTCOMES.get(exercise_id, ("not run", "run its check cell"))
        rows.append({"exercise": exercise_id, "status": names.get(status, status), "says": message})
    return pd.DataFrame(rows).set_index("exercise")


def _run(exercise_id: str, hidden: bool, namespace: dict) -> str:
    if exercise_id not in EXERCISES:
        raise KeyError(f"No exercise {exercise_id!r}; the exercises are {', '.join(EXERCISES)}.")
    spec = EXERCISES[exercise_id]
    filled = reference_answers(spec)
    answers = []
    for name in spec.answers:
        if name in filled:
            answers.append(filled[name])
            continue
        if name not in namespace:
            raise NotRun(
                exercise_id,
                f"`{name}` is not defined.",
                details=["Run the cell(s) above (the setup cell, then the answer), then this one."],
            )
        answers.append(with_references(namespace[name], namespace, filled))
    lab = booted_lab()
    if lab is None:
        raise NotRun(
            exercise_id,
            "Django is not set up.",
            details=["Run the setup cell at the top (lab = boot(...)), then this one."],
        )
    used = _used(spec)
    try:
        with filled_in(namespace, filled):
            summary = spec.run(Context(exercise_id, hidden, lab), *answers)
    except ExerciseError as outcome:
        if used:
            outcome.details.append(f"  {used}")
        if hidden and type(outcome) is CheckFailed:
            hidden_failure = HiddenCheckFailed(
                outcome.exercise, outcome.message, details=outcome.details
            )
            hidden_failure.requirement = outcome.requirement
            raise hidden_failure from None
        raise
    finally:
        lab.reseed()
    return f"{summary} {used}" if used else summary


def _used(spec) -> str:
    """Which earlier answers the check fills in, in the words a learner reads."""
    return " ".join(
        f"It used the reference answer of {earlier} "
        f"({', '.join(EXERCISES[earlier].reference)}), not yours."
        for earlier in spec.builds_on
    )


def _settle(receipt: str | None, exercise_id: str, hidden: bool, status: str, message: str):
    """Keep a self-check's outcome for progress(); send the grader's verdict when asked."""
    if not hidden:
        _OUTCOMES[exercise_id] = (status, message.removeprefix("✓ ").removeprefix("✗ "))
    if receipt is None:
        return
    status = "not done" if status == "not run" else status  # a graded notebook runs every cell
    from IPython.display import display

    verdict = {
        "exercise": exercise_id,
        "hidden": hidden,
        "status": status,
        "message": message,
        "receipt": receipt,
    }
    display({VERDICT_MIME: verdict}, raw=True)

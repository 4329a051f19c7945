"""Self-checks of the exercise notebooks: run the learner's answer, compare, explain.

    from demo_project.lab.checks import check
    check("5.1")

``check`` finds the answer by name in the notebook (``active_item_rows`` for 5.1), runs it
on catalogs the learner has not seen (other seeds and sizes), compares with the reference
answer, holds the query budget with a silent query panel, and then either prints one
``✓`` line or raises:

- ``NotDone``: the answer still raises ``NotImplementedError`` (or was never run);
- ``CheckFailed``: the answer is wrong; the message says what was expected, what came
  back, which queries ran, and gives a hint;
- ``HiddenCheckFailed``: the same, for the extra checks only the grader runs
  (``check("5.1", hidden=True)``).

All three show as a short message in the notebook, not a traceback through the kit
(IPython's ``_render_traceback_`` hook). Every check leaves the catalog as the notebook's
``boot()`` made it.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

OTHER_CATALOGS = ((40, 7),)  # what every self-check runs on besides the learner's own data
HIDDEN_CATALOGS = ((25, 3), (300, 11))  # what only the grader's hidden checks run on
SHOWN_QUERIES = 8


# Outcomes


class ExerciseError(Exception):
    """A check that did not pass; shown as its message alone, without a traceback."""

    mark = "✗"

    def __init__(self, exercise: str, message: str, *, details: list[str] | None = None):
        self.exercise = exercise
        self.message = message
        self.details = list(details or [])
        super().__init__(self.text())

    def headline(self) -> str:
        return f"{self.mark} Exercise {self.exercise}: {self.message}"

    def text(self) -> str:
        return "\n".join([self.headline(), *self.details])

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines in place of the traceback.
        return self.text().splitlines()


class NotDone(ExerciseError):
    """The exercise has not been answered yet."""

    def headline(self) -> str:
        return f"{self.mark} Exercise {self.exercise} is not done yet: {self.message}"


class CheckFailed(ExerciseError):
    """The answer runs but is wrong, or breaks the query budget."""


class HiddenCheckFailed(CheckFailed):
    """The answer passes the self-check but fails one of the grader's extra checks."""

    def headline(self) -> str:
        return f"{self.mark} Exercise {self.exercise} (hidden check): {self.message}"


# The registry


@dataclass(frozen=True)
class Exercise:
    id: str
    answers: tuple[str, ...]
    run: Callable[..., str]  # run(*answers, hidden=False) -> what passed, in a few words


EXERCISES: dict[str, Exercise] = {}


def exercise(exercise_id: str, *answers: str):
    """Register the check of ``exercise_id``, which reads the notebook names ``answers``."""

    def register(run: Callable[..., str]) -> Callable[..., str]:
        EXERCISES[exercise_id] = Exercise(exercise_id, answers, run)
        return run

    return register


def check(exercise_id: str, *, hidden: bool = False, namespace: dict | None = None) -> None:
    """Check the answer to ``exercise_id`` found in the calling notebook; print one ✓ line."""
    if exercise_id not in EXERCISES:
        raise KeyError(f"No exercise {exercise_id!r}; the exercises are {', '.join(EXERCISES)}.")
    spec = EXERCISES[exercise_id]
    namespace = sys._getframe(1).f_globals if namespace is None else namespace
    answers = []
    for name in spec.answers:
        if name not in namespace:
            raise NotDone(
                exercise_id,
                f"`{name}` is not defined.",
                details=["Run the setup cell and the answer cell above, then this one."],
            )
        answers.append(namespace[name])
    lab = _lab(exercise_id)
    try:
        summary = spec.run(*answers, hidden=hidden)
    except CheckFailed as failure:
        if hidden and not isinstance(failure, HiddenCheckFailed):
            raise HiddenCheckFailed(
                failure.exercise, failure.message, details=failure.details
            ) from None
        raise
    finally:
        lab.reseed()
    kind = "hidden checks" if hidden else "passes"
    print(f"✓ Exercise {exercise_id} {kind}: {summary}")


def _lab(exercise_id: str):
    import importlib

    # The package's name ``boot`` is the function; the module holds the booted Lab.
    boot_module = importlib.import_module("demo_project.lab.boot")
    if boot_module._lab is None:
        raise NotDone(
            exercise_id,
            "Django is not set up in this kernel.",
            details=["Run the setup cell at the top (lab = boot(...)) first."],
        )
    return boot_module._lab


# Helpers the checks share


def call(exercise_id: str, function: Any, *args, allow: tuple = (), **kwargs) -> Any:
    """Call the learner's ``function``; turn a stub or a crash into a clear message.

    Exceptions of the types in ``allow`` are the answer's to raise: they pass through.
    """
    name = getattr(function, "__name__", repr(function))
    if not callable(function):
        raise CheckFailed(exercise_id, f"`{name}` should be a function, not {type(function)}.")
    try:
        return function(*args, **kwargs)
    except NotImplementedError as error:
        stub = _raised_by(error) or name
        called = f" (called by {name}())" if stub != name else ""
        raise NotDone(
            exercise_id,
            f"{stub}() still raises NotImplementedError{called}.",
            details=[
                "Replace `raise NotImplementedError()` in the answer cell with your code, "
                "run that cell, then this one."
            ],
        ) from None
    except ExerciseError:
        raise
    except allow:
        raise
    except Exception as error:
        raise CheckFailed(
            exercise_id,
            f"{name}() raised {type(error).__name__}: {error}",
            details=[*_where(error), *_call_context(args, kwargs)],
        ) from None


def _raised_by(error: BaseException) -> str | None:
    """The name of the function whose own code raised ``error`` (a stub, say)."""
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback.tb_frame.f_code.co_name if traceback is not None else None


def _where(error: BaseException) -> list[str]:
    """The line of notebook code an error came from, if it came from a notebook cell."""
    import traceback

    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if "ipykernel_" in frame.filename or frame.filename.startswith("<")
    ]
    if not frames:
        return []
    frame = frames[-1]
    return [f"  at: {frame.line}  (line {frame.lineno} of your cell)"]


def _call_context(args, kwargs) -> list[str]:
    shown = [repr(arg) for arg in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return [f"  called with: ({', '.join(shown)})"] if shown else []


def not_done_if_empty(exercise_id: str, schema: Any, name: str) -> None:
    """A schema whose body is still the stub has no fields: say so."""
    if not isinstance(schema, type):
        raise CheckFailed(exercise_id, f"`{name}` should be a class (a Schema).")
    if not getattr(schema, "model_fields", None):
        raise NotDone(
            exercise_id,
            f"{name} declares no fields yet.",
            details=["Write its fields in the answer cell, run that cell, then this one."],
        )


@contextlib.contextmanager
def catalog(items: int, seed: int) -> Iterator[str]:
    """Reseed the catalog with ``items`` items from ``seed``; yield its description."""
    from django.core.cache import cache

    from demo_project.catalog.generator import generate_catalog

    generate_catalog(items=items, seed=seed, hidden=(items, seed) in HIDDEN_CATALOGS)
    cache.clear()
    yield f"a catalog of {items} items (seed {seed})"


def catalogs(*, hidden: bool = False) -> list[tuple[int, int]]:
    """The catalogs a check runs on: the learner's own and others, or the hidden ones."""
    if hidden:
        return list(HIDDEN_CATALOGS)
    lab = _lab("?")
    return [(lab.items, lab.seed), *OTHER_CATALOGS]


def measure(function: Callable[[], Any]) -> tuple[Any, Any]:
    """Run ``function`` and materialize what it returns, under a silent query panel."""
    from .queries import QueryPanel

    with QueryPanel(show=False) as panel:
        result = materialize(function())
    return result, panel


def materialize(value: Any) -> Any:
    from django.db.models import QuerySet

    if isinstance(value, QuerySet):
        return list(value)
    return value


def query_lines(panel, limit: int = SHOWN_QUERIES) -> list[str]:
    """The queries a panel saw, for a failure message: the first few and the N+1 groups."""
    queries = panel.queries
    lines = [f"  queries that ran ({len(queries)}):"]
    for number, query in enumerate(queries[:limit], 1):
        lines.append(f"    {number:>2}. {query.readable(width=110)}")
        lines.append(f"        from {query.origin}")
    if len(queries) > limit:
        lines.append(f"    … and {len(queries) - limit} more")
    from .queries import shorten_sql

    for count, query in panel.similar:
        lines.append(f"  repeated {count}×: {shorten_sql(query.shape, 110)}")
    return lines


def queries(count: int) -> str:
    return f"{count} query" if count == 1 else f"{count} queries"


def hold_budget(exercise_id, panel, budget: int, what: str, hint: str, context: str) -> None:
    if panel.count > budget:
        raise CheckFailed(
            exercise_id,
            f"{what} is right, but it took {queries(panel.count)}; the budget is "
            f"{queries(budget)}.",
            details=[f"  on: {context}", *query_lines(panel), f"Hint: {hint}"],
        )


def short(value: Any, width: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def compare_rows(exercise_id, expected: list, got: Any, *, what: str, hint: str, context: str):
    """Fail with the first difference between two lists of rows."""
    if not isinstance(got, list | tuple):
        raise CheckFailed(
            exercise_id,
            f"{what} should be a list, not {type(got).__name__}.",
            details=[f"  on: {context}", f"  got: {short(got)}", f"Hint: {hint}"],
        )
    got = list(got)
    if got == expected:
        return
    details = [f"  on: {context}", f"  expected {len(expected)} rows, got {len(got)}."]
    for index, (want, have) in enumerate(zip(expected, got, strict=False)):
        if want != have:
            details += [
                f"  first difference at row {index}:",
                f"    expected: {short(want)}",
                f"    got:      {short(have)}",
            ]
            break
    else:
        extra = got[len(expected) :] or expected[len(got) :]
        details.append(f"  first extra or missing row: {short(extra[0])}")
    raise CheckFailed(
        exercise_id, f"{what}: not what the reference gives.", details=[*details, f"Hint: {hint}"]
    )


def expect_equal(exercise_id, expected, got, *, what: str, hint: str, context: str = ""):
    if expected == got and type(expected) is type(got):
        return
    details = [f"  on: {context}"] if context else []
    details += [f"  expected: {short(expected)}", f"  got:      {short(got)}"]
    if type(expected) is not type(got) and None not in (expected, got):
        same = "equal values, but " if expected == got else ""
        details.append(
            f"  ({same}got a value of type {type(got).__name__}, expected "
            f"{type(expected).__name__})"
        )
    raise CheckFailed(exercise_id, f"{what} is wrong.", details=[*details, f"Hint: {hint}"])


def fail(exercise_id, message: str, *details: str, hint: str = "") -> None:
    lines = [*details] + ([f"Hint: {hint}"] if hint else [])
    raise CheckFailed(exercise_id, message, details=lines)


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def signature_has(function, *names: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return all(name in parameters for name in names)


# The exercises live in one module per lesson; importing them fills EXERCISES.
from . import exercise_checks as _exercise_checks  # noqa: E402, F401  (fills EXERCISES)

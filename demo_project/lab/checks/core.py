"""What every exercise's check shares: outcomes, the registry, and ``ex``, the check's context.

A check is registered with ``@exercise("5.1", "active_item_rows")`` and called as
``run(ex, *answers)``. ``ex`` states the exercise once: its id, whether the grader's hidden
cases run, the catalogs to run on, and the helpers that speak in the exercise's name
(``ex.call(...)``, ``ex.fail(...)``, ``ex.expect_equal(...)``, ``ex.hold_budget(...)``).
"""

from __future__ import annotations

import contextlib
import itertools
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..queries import QueryPanel, shorten_sql

OTHER_CATALOGS = ((40, 7),)  # what every self-check runs on besides the learner's own data
HIDDEN_CATALOGS = ((25, 3), (300, 11))  # what only the grader's hidden checks run on
SHOWN_QUERIES = 8
_api_numbers = itertools.count(1)  # a fresh URL namespace for each API a check builds


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
    run: Callable[..., str]  # run(ex, *answers) -> what passed, in a few words


EXERCISES: dict[str, Exercise] = {}


def exercise(exercise_id: str, *answers: str):
    """Register the check of ``exercise_id``, which reads the notebook names ``answers``."""

    def register(run: Callable[..., str]) -> Callable[..., str]:
        EXERCISES[exercise_id] = Exercise(exercise_id, answers, run)
        return run

    return register


# The context of one check


@dataclass(frozen=True)
class Context:
    """One run of one exercise's check: ``ex`` in the checks."""

    id: str
    hidden: bool
    lab: Any  # the booted Lab: the learner's own catalog is (lab.items, lab.seed)

    def catalogs(self) -> list[tuple[int, int]]:
        """The catalogs to run on: the learner's own and others, or the hidden ones."""
        if self.hidden:
            return list(HIDDEN_CATALOGS)
        return [(self.lab.items, self.lab.seed), *OTHER_CATALOGS]

    def call(self, function: Any, *args, allow: tuple = (), **kwargs) -> Any:
        """Call the learner's ``function``; turn a stub or a crash into a clear message.

        Exceptions of the types in ``allow`` are the answer's to raise: they pass through.
        """
        name = getattr(function, "__name__", repr(function))
        if not callable(function):
            raise CheckFailed(self.id, f"`{name}` should be a function, not {type(function)}.")
        try:
            return function(*args, **kwargs)
        except NotImplementedError as error:
            stub = _raised_by(error) or name
            called = f" (called by {name}())" if stub != name else ""
            raise NotDone(
                self.id,
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
                self.id,
                f"{name}() raised {type(error).__name__}: {error}",
                details=[*_where(error), *_call_context(args, kwargs)],
            ) from None

    def fail(self, message: str, *details: str, hint: str = "") -> None:
        lines = [*details] + ([f"Hint: {hint}"] if hint else [])
        raise CheckFailed(self.id, message, details=lines)

    def not_done_if_empty(self, schema: Any, name: str) -> None:
        """A schema whose body is still the stub has no fields: say so."""
        if not isinstance(schema, type):
            raise CheckFailed(self.id, f"`{name}` should be a class (a Schema).")
        if not getattr(schema, "model_fields", None):
            raise NotDone(
                self.id,
                f"{name} declares no fields yet.",
                details=["Write its fields in the answer cell, run that cell, then this one."],
            )

    def hold_budget(self, panel, budget: int, what: str, hint: str, context: str) -> None:
        if panel.count > budget:
            raise CheckFailed(
                self.id,
                f"{what} is right, but it took {queries(panel.count)}; the budget is "
                f"{queries(budget)}.",
                details=[f"  on: {context}", *query_lines(panel), f"Hint: {hint}"],
            )

    def compare_rows(self, expected: list, got: Any, *, what: str, hint: str, context: str):
        """Fail with the first difference between two lists of rows."""
        if not isinstance(got, list | tuple):
            raise CheckFailed(
                self.id,
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
            self.id, f"{what}: not what the reference gives.", details=[*details, f"Hint: {hint}"]
        )

    def expect_equal(self, expected, got, *, what: str, hint: str, context: str = ""):
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
        raise CheckFailed(self.id, f"{what} is wrong.", details=[*details, f"Hint: {hint}"])

    def dump(self, schema, obj) -> dict:
        """``schema`` read from ``obj`` as a dict; a schema that cannot read it fails."""
        try:
            return schema.from_orm(obj).model_dump()
        except NotImplementedError:
            raise
        except Exception as error:
            self.fail(
                f"{schema.__name__} cannot read {obj!r}: {type(error).__name__}.",
                *("  " + line for line in str(error).splitlines()[:6]),
                hint="aliases name the attribute path to read, e.g. Field(alias='item.name').",
            )

    def client_for(self, path: str, view, *, install=None, with_handlers=True):
        """A fresh API with ``view`` at GET ``path``, and a test client for it."""
        from ninja import NinjaAPI, Router
        from ninja.testing import TestClient

        from demo_project.errors import install_error_handlers

        api = NinjaAPI(urls_namespace=f"exercise-{next(_api_numbers)}")
        if with_handlers:
            install_error_handlers(api)
        if install is not None:
            self.call(install, api)
        router = Router()
        try:
            router.get(path)(view)
        except Exception as error:
            self.fail(
                f"Ninja cannot use {getattr(view, '__name__', view)} as a view: "
                f"{type(error).__name__}: {error}",
            )
        api.add_router("/", router)
        return TestClient(api)

    def request(self, client, path: str):
        """GET ``path`` under a silent query panel: (response, panel)."""
        try:
            return measure(lambda: client.get(path))
        except NotDone:
            raise
        except NotImplementedError:
            raise NotDone(
                self.id,
                "the view still raises NotImplementedError.",
                details=["Write its body, run the answer cell, then this one."],
            ) from None
        except Exception as error:
            self.fail(
                f"GET {path} raised {type(error).__name__}: {error}",
                hint="an error a client caused must become a 4xx: raise NotFound (from "
                "demo_project.errors) for a missing item.",
            )


def _raised_by(error: BaseException) -> str | None:
    """The name of the function whose own code raised ``error`` (a stub, say)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_name if tb is not None else None


def _where(error: BaseException) -> list[str]:
    """The line of notebook code an error came from, if it came from a notebook cell."""
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


# Helpers that do not depend on the exercise


@contextlib.contextmanager
def catalog(items: int, seed: int) -> Iterator[str]:
    """Reseed the catalog with ``items`` items from ``seed``; yield its description."""
    from django.core.cache import cache

    from demo_project.catalog.generator import generate_catalog

    generate_catalog(items=items, seed=seed, hidden=(items, seed) in HIDDEN_CATALOGS)
    cache.clear()
    yield f"a catalog of {items} items (seed {seed})"


def measure(function: Callable[[], Any]) -> tuple[Any, Any]:
    """Run ``function`` and materialize what it returns, under a silent query panel."""
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
    for count, query in panel.similar:
        lines.append(f"  repeated {count}×: {shorten_sql(query.shape, 110)}")
    return lines


def queries(count: int) -> str:
    return f"{count} query" if count == 1 else f"{count} queries"


def short(value: Any, width: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def validation_error():
    from pydantic import ValidationError

    return ValidationError


class Rollback(Exception):
    """Raised inside ``transaction.atomic()`` by a check, to undo a write it made."""

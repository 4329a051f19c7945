"""What every exercise's check shares: outcomes, the registry, and ``ex``, the check's context.

A check is registered with ``@exercise("5.1", "active_item_rows", requirements=...)`` and
called as ``run(ex, *answers)``. The requirements are the exercise's task, one sentence each,
with how the visible check tests it; every case the check runs sits in a
``with ex.requirement(key):`` block, so that a failure names the requirement it found broken.
The hidden checks run the same cases on data the learner has not seen.
``ex`` states the exercise once: its id, whether the grader's hidden cases run, the catalogs
to run on, and the helpers that speak in the exercise's name (``ex.call(...)``,
``ex.fail(...)``, ``ex.expect_equal(...)``, ``ex.hold_budget(...)``).
"""

from __future__ import annotations

import contextlib
import itertools
import re
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
        self.requirement: str | None = None  # the requirement found broken, once known
        super().__init__(self.text())

    def __str__(self) -> str:
        return self.text()

    def where(self) -> str:
        """``Exercise 5.1``, and the requirement it breaks once a check named it."""
        named = f', requirement "{self.requirement}"' if self.requirement else ""
        return f"Exercise {self.exercise}{named}"

    def headline(self) -> str:
        return f"{self.mark} {self.where()}: {self.message}"

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


class NotRun(NotDone):
    """The answer's cell has not run in this kernel (after a restart, say)."""

    def headline(self) -> str:
        return f"{self.mark} Exercise {self.exercise} is not run in this kernel: {self.message}"


class AnswerRaised(CheckFailed):
    """The learner's own code raised: graded as an error (E), not a wrong result."""


class HiddenCheckFailed(CheckFailed):
    """The answer passes the self-check but fails one of the grader's extra checks."""

    def headline(self) -> str:
        return f"{self.mark} {self.where()} (hidden check): {self.message}"


# The registry


@dataclass(frozen=True)
class Requirement:
    text: str  # as the task states it
    how: str  # how the visible check tests it


@dataclass(frozen=True)
class Exercise:
    id: str
    answers: tuple[str, ...]
    run: Callable[..., str]  # run(ex, *answers) -> what passed, in a few words
    requirements: dict[str, Requirement]
    # name -> a function that builds the reference answer, for the exercises built on this one
    reference: dict[str, Callable[[], Any]]
    builds_on: tuple[str, ...]  # the exercises whose answers this one uses


EXERCISES: dict[str, Exercise] = {}


def exercise(
    exercise_id: str,
    *answers: str,
    requirements: dict[str, tuple[str, str]] | None = None,
    reference: dict[str, Callable[[], Any]] | None = None,
    builds_on: tuple[str, ...] = (),
):
    """Register the check of ``exercise_id``, which reads the notebook names ``answers``.

    ``requirements`` maps a key to (the requirement as the task states it, how the visible
    check tests it). ``builds_on`` names earlier exercises whose answers this one uses: it
    is checked with their reference answers (``reference`` of those exercises) filled in,
    so that its mark depends on its own answer alone.
    """
    stated = {key: Requirement(*value) for key, value in (requirements or {}).items()}

    def register(run: Callable[..., str]) -> Callable[..., str]:
        EXERCISES[exercise_id] = Exercise(
            exercise_id, answers, run, stated, dict(reference or {}), tuple(builds_on)
        )
        return run

    return register


def reference_answers(spec: Exercise) -> dict[str, Any]:
    """The reference answers of the exercises ``spec`` builds on, by notebook name."""
    return {
        name: build()
        for earlier in spec.builds_on
        for name, build in EXERCISES[earlier].reference.items()
    }


@contextlib.contextmanager
def filled_in(namespace: dict, filled: dict[str, Any]) -> Iterator[None]:
    """Put ``filled`` into the notebook's names for the check, then put the learner's back."""
    missing = object()
    saved = {name: namespace.get(name, missing) for name in filled}
    namespace.update(filled)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


def with_references(answer: Any, namespace: dict, filled: dict[str, Any]) -> Any:
    """``answer``, with the reference in place of any learner's object its annotations name.

    A view annotated ``page: Query[PageIn]`` holds the learner's ``PageIn`` itself, read
    when the cell ran: a copy of the function is annotated with the reference instead.
    """
    import types
    import typing

    swaps = {id(namespace[name]): value for name, value in filled.items() if name in namespace}
    annotations = getattr(answer, "__annotations__", None)
    if not swaps or not isinstance(answer, types.FunctionType) or not annotations:
        return answer

    def swap(hint):
        if id(hint) in swaps:
            return swaps[id(hint)]
        if typing.get_origin(hint) is typing.Annotated:
            return typing.Annotated[(swap(hint.__origin__), *hint.__metadata__)]
        return hint

    code, defaults, closure = answer.__code__, answer.__defaults__, answer.__closure__
    copy = types.FunctionType(code, answer.__globals__, answer.__name__, defaults, closure)
    copy.__kwdefaults__ = answer.__kwdefaults__
    copy.__doc__, copy.__qualname__ = answer.__doc__, answer.__qualname__
    copy.__annotations__ = {key: swap(hint) for key, hint in annotations.items()}
    return copy


def requirements_table() -> str:
    """The table of every exercise's requirements, as the instructor guide shows it."""
    lines = [
        "| exercise | requirement | how the visible check tests it |",
        "|---|---|---|",
    ]
    for exercise_id, spec in EXERCISES.items():
        for requirement in spec.requirements.values():
            lines.append(f"| {exercise_id} | {requirement.text} | {requirement.how} |")
    return "\n".join(lines)


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

    @contextlib.contextmanager
    def requirement(self, key: str) -> Iterator[None]:
        """Name the requirement ``key`` in any failure of the block."""
        text = EXERCISES[self.id].requirements[key].text
        try:
            yield
        except CheckFailed as failure:
            if failure.requirement is None:
                failure.requirement = text
            raise

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
            raise AnswerRaised(
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
        """Fail when ``panel`` counted more than ``budget`` queries.

        The hint comes from what was measured: the statement that repeated and the relation
        it reads. ``hint`` is said only when no statement repeated.
        """
        if panel.count > budget:
            measured = repeated_relation(panel)
            raise CheckFailed(
                self.id,
                f"{what} is right, but it took {queries(panel.count)}; the budget is "
                f"{queries(budget)}.",
                details=[f"  on: {context}", *query_lines(panel), f"Hint: {measured or hint}"],
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

    def request(self, client, path: str, *, hint: str = ""):
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
            hint = hint or (
                "an error a client caused must become a 4xx: raise NotFound (from "
                "demo_project.errors) for a missing item."
            )
            raise AnswerRaised(
                self.id,
                f"GET {path} raised {type(error).__name__}: {error}",
                details=[*_where(error), f"Hint: {hint}"],
            ) from None


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


_FROM = re.compile(r'FROM "?(\w+)"?')
_WHERE = re.compile(r'WHERE \(?"?(\w+)"?\."?(\w+)"? = %s')
_AGGREGATE = re.compile(r"^SELECT (COUNT|SUM|AVG|MIN|MAX)\(", re.I)


def _model_of(table: str):
    from django.apps import apps

    return next((m for m in apps.get_models() if m._meta.db_table == table), None)


def _outer_table(sql: str) -> str | None:
    from ..queries import _outer_from

    start = _outer_from(sql)
    match = _FROM.match(sql[start + 1 :]) if start >= 0 else _FROM.search(sql)
    return match.group(1) if match else None


def repeated_relation(panel) -> str | None:
    """Say which statement repeated, which relation it reads, and what fetches it at once.

    The rows the answer walks are those of the statement just before the repeats began
    (or, failing that, of another); the relation is the field of their model that points
    to the repeated statement's table: a foreign key, a reverse foreign key or a
    many-to-many. None when no statement repeated.
    """
    if not panel.similar:
        return None
    count, query = panel.similar[0]
    said = f"repeated {count}×: {shorten_sql(query.readable(), 110)}"
    where = _WHERE.search(query.sql)
    if where is not None:
        # The rows a loop walks come from the statement just before the repeats begin.
        first = panel.queries.index(query)
        before = [q for q in panel.queries[:first] if q.shape != query.shape]
        after = [q for q in panel.queries[first:] if q.shape != query.shape]
        for other in [*reversed(before), *after]:
            base = _model_of(_outer_table(other.sql) or "")
            found = base and _relation(base, *where.groups(), query.sql)
            if found:
                return f"{said}: {found}"
    return f"{said}: one query per row; fetch the rows this reads in the first query."


def _relation(base, table: str, column: str, sql: str) -> str | None:
    """The field of ``base`` that a statement on ``table`` filtered by ``column`` reads."""
    plural = base._meta.verbose_name_plural
    for field in base._meta.get_fields():
        if not field.is_relation or field.related_model is None:
            continue
        target = field.related_model._meta
        if (field.many_to_one or field.one_to_one) and field.concrete:
            if table == target.db_table and column == target.pk.column:
                return (
                    f"the {field.name} of each of the {plural}, read one by one; "
                    f"select_related({field.name!r}) joins it into the first query, and "
                    f"obj.{field.name} reads it from there."
                )
        elif field.one_to_many:
            name = field.get_accessor_name()
            if table == target.db_table and column == field.field.column:
                return _many(sql, name, plural, filtered=_filtered(sql))
        elif field.many_to_many:
            through = field.remote_field.through if field.concrete else field.through
            name = field.name if field.concrete else field.get_accessor_name()
            if table == through._meta.db_table:
                return _many(sql, name, plural, filtered=_filtered(sql))
    return None


def _filtered(sql: str) -> bool:
    return " AND " in sql.split(" WHERE ", 1)[-1] or " LIMIT " in sql


def _many(sql: str, name: str, plural: str, *, filtered: bool) -> str:
    if _AGGREGATE.match(sql):
        return (
            f"an aggregate of the {name} of each of the {plural}, computed one by one; "
            f"annotate() it in the first query (Count({name!r}), Avg('{name}__...'), "
            "with filter=Q(...) for a part)."
        )
    if filtered:
        return (
            f"a filtered or sliced part of the {name} of each of the {plural}, read one by "
            f"one; prefetch it once with Prefetch({name!r}, queryset=..., to_attr=...)."
        )
    return (
        f"the {name} of each of the {plural}, read one by one; "
        f"prefetch_related({name!r}) fetches them all in one more query, and .all() reads "
        "them (a .filter(), .order_by() or .values() on it queries again)."
    )


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

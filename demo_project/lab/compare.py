"""compare(): run named variants at several data sizes; count their queries and time them.

Variants are measured interleaved (every variant once, then every variant again, in a
rotating order), so a slow moment of a noisy machine falls on all of them alike and the
ratios between them hold. One untimed round warms up, at the first size only: later sizes
find the code and the statements warm, and a slow variant at a large size (an N+1 over
thousands of rows) would double the wait for nothing. Query counts are exact; times are
medians.
"""

from __future__ import annotations

import functools
import io
import statistics
import sys
from collections.abc import Callable, Iterable, Mapping

from .queries import QueryPanel
from .ready import require_django
from .timing import format_duration, timed

Variant = Callable[[], object] | str
SHOWN_WIDTH = 12  # "99999.99 ms" and shorter; wider than the "median time" header
STABLE = (
    "Make each call do the same work: build a fresh queryset inside the function "
    "(an evaluated one keeps its rows) and clear any cache it fills first."
)


def _as_callable(name: str, variant: Variant, client) -> Callable[[], object]:
    if callable(variant):
        return variant
    if not isinstance(variant, str):
        raise TypeError(
            f"Variant {name!r} is {variant!r}; a variant is a function of no arguments "
            "(e.g. lambda: list(Item.objects.all())) or a 'GET /api/v1/...' string."
        )
    method, _, path = variant.strip().rpartition(" ")
    if method.upper() not in {"", "GET"} or not path.startswith("/"):
        raise TypeError(
            f"Variant {name!r} is {variant!r}; a string variant is 'GET /path' (for any "
            "other request pass a function, e.g. lambda: lab.client.post(...))."
        )
    if client is None:
        raise TypeError(
            f"Variant {name!r} is a request; pass client= to compare() (lab.compare does)."
        )

    def request():
        response = client.get(path)
        if response.status_code != 200:
            raise AssertionError(f"{name}: GET {path} answered {response.status_code}.")
        return response

    return request


def _call(name: str, function: Callable[[], object]) -> object:
    from django.db.models import QuerySet

    result = function()
    if isinstance(result, QuerySet) and result._result_cache is None:
        # A lazy queryset runs no query until it is read: the variant measured nothing.
        raise AssertionError(
            f"{name} returned a QuerySet that was never evaluated, so it ran no query; "
            "return list(...) of it, or read what the API would read."
        )
    return result


def measure(function: Callable[[], object], *, repeat: int = 3) -> tuple[int, list[float]]:
    """Return the query count of one call of ``function`` and the times of ``repeat`` calls."""
    counts, times = set(), []
    for _ in range(repeat):
        with QueryPanel(show=False) as panel:
            _, seconds = timed(function)
        counts.add(panel.count)
        times.append(seconds)
    if len(counts) != 1:
        raise AssertionError(f"The query count changed between calls: {sorted(counts)}. {STABLE}")
    return counts.pop(), times


def compare(
    variants: Mapping[str, Variant],
    *,
    sizes: Iterable[int] = (10, 100, 1000),
    repeat: int = 3,
    plot: bool = True,
    client=None,
    seed: int | None = None,
):
    """Return a DataFrame (variant, size, queries, seconds) and plot both against size.

    Each size reseeds the catalog with that many items. A variant is a function of no
    arguments, or a ``"GET /api/v1/..."`` string run through ``client``.
    """
    require_django()
    from demo_project.catalog.generator import DEFAULT_SEED, generate_catalog

    Comparison = _comparison_class()

    functions = {name: _as_callable(name, variant, client) for name, variant in variants.items()}
    names = list(functions)
    rows = []
    for number, size in enumerate(sizes):
        # A line per size as it starts, so a cell that runs for seconds shows where it is.
        print(f"measuring at {size:,} items: {len(names)} variants, {repeat} timed round(s)")
        generate_catalog(items=size, seed=DEFAULT_SEED if seed is None else seed)
        counts: dict[str, set[int]] = {name: set() for name in names}
        times: dict[str, list[float]] = {name: [] for name in names}
        warmup = 1 if number == 0 else 0  # that round is counted, not timed
        for _ in range(warmup + repeat):
            for name in names:
                call = functools.partial(_call, name, functions[name])
                count, (seconds,) = measure(call, repeat=1)
                counts[name].add(count)
                times[name].append(seconds)
            names = names[1:] + names[:1]
        for name in functions:
            if len(counts[name]) != 1:
                raise AssertionError(
                    f"{name}: the query count changed between calls at {size} items: "
                    f"{sorted(counts[name])}. {STABLE}"
                )
            rows.append(
                {
                    "variant": name,
                    "size": size,
                    "queries": counts[name].pop(),
                    "seconds": statistics.median(times[name][warmup:]),
                }
            )
    table = Comparison(rows, columns=["variant", "size", "queries", "seconds"])
    if plot:
        plot_comparison(table)
    return table


def _comparison_class(time_label: str = "median time"):
    import pandas as pd

    class Comparison(pd.DataFrame):
        """A DataFrame with a ``seconds`` column that shows times in one form.

        It computes like any DataFrame (``seconds`` is a float); displayed, the median
        times read ``12.34 ms``, the form the sanitize file rewrites, so a checked cell
        compares the query counts and not the clock.
        """

        @property
        def _constructor(self):
            return pd.DataFrame  # what pivot(), filtering and so on return is plain

        def _shown(self) -> pd.DataFrame:
            shown = pd.DataFrame(self).copy()
            # Padded to one width, so that a slow run (a longer time) does not widen the
            # column and shift its header: the sanitize rule removes the padding, not that.
            shown["seconds"] = shown["seconds"].map(
                lambda seconds: format_duration(seconds).rjust(SHOWN_WIDTH)
            )
            return shown.rename(columns={"seconds": time_label})

        def __repr__(self) -> str:
            return repr(self._shown())

        def _repr_html_(self) -> str:
            return self._shown()._repr_html_()

    return Comparison


# One marker and one dash pattern per variant, the later ones drawn smaller and on top:
# two variants with the same values (equal query counts) both stay visible.
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", ":", "-.")
HEADROOM = 1.6  # how far past the extreme points each axis reaches, as a factor (log axes)


def plot_comparison(table):
    """Plot queries and median time against data size, one line per variant.

    In a notebook the figure is shown as a PNG whatever matplotlib's backend (``make
    notebooks`` runs with ``MPLBACKEND=Agg``, under which ``plt.show()`` shows nothing);
    pyplot never holds it, so re-running a cell does not pile up open figures.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter

    figure = Figure(figsize=(10, 3.8), layout="constrained")
    left, right = figure.subplots(1, 2)
    for number, (name, rows) in enumerate(table.groupby("variant", sort=False)):
        style = {
            "marker": MARKERS[number % len(MARKERS)],
            "markersize": max(3.0, 8.0 - 1.5 * number),
            "linestyle": LINESTYLES[number % len(LINESTYLES)],
            "label": name,
            "clip_on": False,  # a point on an axis's edge (0 queries) is drawn whole
        }
        left.plot(rows["size"], rows["queries"], **style)
        right.plot(rows["size"], rows["seconds"] * 1000, **style)
    sizes, queries = table["size"], table["queries"]
    times = table["seconds"] * 1000
    plain = FuncFormatter(lambda value, _: f"{value:,g}")
    for axis, label, values in ((left, "queries", queries), (right, "median time (ms)", times)):
        axis.set_xscale("log")
        axis.set_xlim(sizes.min() / HEADROOM, sizes.max() * HEADROOM)
        axis.set_yscale("log")
        axis.set_ylim(values[values > 0].min() / HEADROOM, values.max() * HEADROOM)
        for ticks in (axis.xaxis, axis.yaxis):
            ticks.set_major_formatter(plain)
            ticks.set_minor_formatter(NullFormatter())
        axis.set_xlabel("items in the database")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    if (queries == 0).any():
        # A variant with 0 queries (a warm cache) has no place on a log axis: symlog puts
        # it at the bottom, on a 0 tick of its own, and keeps the decades above as they are.
        left.set_yscale("symlog", linthresh=1)
        left.set_ylim(0, queries.max() * HEADROOM)
        left.yaxis.set_major_formatter(plain)
    left.set_title("Queries per call")
    right.set_title("Time per call")
    left.legend()
    _show(figure)
    return figure


def profile_stages(
    function: Callable[[], object], stages: Mapping[str, tuple[str, str]], *, calls: int = 20
):
    """Profile ``calls`` calls of ``function``; return a DataFrame of the named stages.

    ``stages`` maps a label to (the end of a file's path, a function's name), e.g.
    ``("ninja/renderers.py", "render")``. Each row gives how often that function ran per
    call of ``function`` (exact) and the time spent in it and below, per call, as the
    profiler measured it (``N.NN ms``; cProfile slows Python down, not the database).
    """
    import cProfile
    import pstats

    require_django()
    function()  # the first call imports and compiles; the profile is of the steady state
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [function() for _ in range(calls)])
    recorded = pstats.Stats(profiler).stats  # (file, line, name) -> (primitive calls, ...)
    rows = []
    for label, (path, name) in stages.items():
        found = [
            (cumulative, primitive)
            for (file, _, function_name), (primitive, _, _, cumulative, _) in recorded.items()
            if function_name == name and file.replace("\\", "/").endswith(path)
        ]
        if not found:
            raise ValueError(f"{label!r}: no call of {name}() in a file ending {path!r}.")
        cumulative, primitive = max(found)  # the outermost of functions with that name
        seconds = cumulative / calls
        rows.append({"stage": label, "calls per call": primitive // calls, "seconds": seconds})
    return _comparison_class("time per call")(rows, columns=["stage", "calls per call", "seconds"])


def bar_chart(labels, milliseconds, *, title: str, xlabel: str):
    """Show horizontal bars, one per label, top to bottom; return the figure."""
    from matplotlib.figure import Figure

    labels, milliseconds = list(labels), list(milliseconds)
    figure = Figure(figsize=(9, 0.45 * len(labels) + 1.2), layout="constrained")
    axis = figure.subplots()
    positions = range(len(labels))
    axis.barh(positions, milliseconds, color="tab:blue")
    axis.set_yticks(list(positions), labels)
    axis.invert_yaxis()
    axis.set_xlim(0, max(milliseconds) * 1.15)
    for position, value in zip(positions, milliseconds, strict=True):
        axis.text(value, position, f" {value:.2f}", va="center", fontsize=8)
    axis.set_xlabel(xlabel)
    axis.set_title(title)
    axis.grid(True, axis="x", alpha=0.3)
    _show(figure)
    return figure


def _show(figure) -> None:
    """Display ``figure`` in the running notebook cell; elsewhere, leave it to the caller."""
    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    if get_ipython() is None:
        return
    from IPython.display import Image, display

    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=80)
    display(Image(data=png.getvalue(), format="png"))

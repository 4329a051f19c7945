"""compare(): run named variants at several data sizes; count their queries and time them.

Variants are measured interleaved (every variant once, then every variant again, in a
rotating order), so a slow moment of a noisy machine falls on all of them alike and the
ratios between them hold. Query counts are exact; times are medians.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping

from .queries import QueryPanel
from .timing import format_duration, timed

Variant = Callable[[], object] | str


def _as_callable(variant: Variant, client) -> Callable[[], object]:
    if callable(variant):
        return variant
    if isinstance(variant, str) and client is not None:
        path = variant.removeprefix("GET ").strip()

        def request():
            response = client.get(path)
            if response.status_code != 200:
                raise AssertionError(f"GET {path} answered {response.status_code}.")
            return response

        return request
    raise TypeError(f"A variant is a function or a 'GET /path' string, not {variant!r}.")


def measure(function: Callable[[], object], *, repeat: int = 3) -> tuple[int, list[float]]:
    """Return the query count of one call of ``function`` and the times of ``repeat`` calls."""
    counts, times = set(), []
    for _ in range(repeat):
        with QueryPanel(show=False) as panel:
            _, seconds = timed(function)
        counts.add(panel.count)
        times.append(seconds)
    if len(counts) != 1:
        raise AssertionError(f"The query count changed between calls: {sorted(counts)}.")
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
    from demo_project.catalog.generator import DEFAULT_SEED, generate_catalog

    Comparison = _comparison_class()

    functions = {name: _as_callable(variant, client) for name, variant in variants.items()}
    names = list(functions)
    rows = []
    for size in sizes:
        generate_catalog(items=size, seed=DEFAULT_SEED if seed is None else seed)
        counts: dict[str, set[int]] = {name: set() for name in names}
        times: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(repeat + 1):  # the first round warms up and is not timed
            for name in names:
                count, (seconds,) = measure(functions[name], repeat=1)
                counts[name].add(count)
                times[name].append(seconds)
            names = names[1:] + names[:1]
        for name in functions:
            if len(counts[name]) != 1:
                raise AssertionError(
                    f"{name}: the query count changed between calls: {sorted(counts[name])}."
                )
            rows.append(
                {
                    "variant": name,
                    "size": size,
                    "queries": counts[name].pop(),
                    "seconds": statistics.median(times[name][1:]),
                }
            )
    table = Comparison(rows, columns=["variant", "size", "queries", "seconds"])
    if plot:
        plot_comparison(table)
    return table


def _comparison_class():
    import pandas as pd

    class Comparison(pd.DataFrame):
        """A DataFrame of (variant, size, queries, seconds) that shows times in one form.

        It computes like any DataFrame (``seconds`` is a float); displayed, the median
        times read ``12.34 ms``, the form the sanitize file rewrites, so a checked cell
        compares the query counts and not the clock.
        """

        @property
        def _constructor(self):
            return pd.DataFrame  # what pivot(), filtering and so on return is plain

        def _shown(self) -> pd.DataFrame:
            shown = pd.DataFrame(self).copy()
            shown["seconds"] = shown["seconds"].map(format_duration)
            return shown.rename(columns={"seconds": "median time"})

        def __repr__(self) -> str:
            return repr(self._shown())

        def _repr_html_(self) -> str:
            return self._shown()._repr_html_()

    return Comparison


def plot_comparison(table):
    """Plot queries and median time against data size, one line per variant."""
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    for name, rows in table.groupby("variant", sort=False):
        left.plot(rows["size"], rows["queries"], marker="o", label=name)
        right.plot(rows["size"], rows["seconds"] * 1000, marker="o", label=name)
    for axis, label in ((left, "queries"), (right, "median time (ms)")):
        axis.set_xscale("log")
        axis.set_yscale("symlog" if label == "queries" else "log")
        axis.set_xlabel("items in the database")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    left.set_title("Queries per call")
    right.set_title("Time per call")
    left.legend()
    plt.show()
    return figure

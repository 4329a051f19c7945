"""compare(): interleaved, exact counts, one printed form of time, a plot of both."""

import re

import matplotlib
import pytest
from django.core.cache import cache
from django.test import Client

from demo_project.catalog.models import Category, Item
from demo_project.lab import compare as compare_module
from demo_project.lab.compare import bar_chart, compare, plot_comparison, profile_stages

matplotlib.use("Agg")

SANITIZED_DURATION = r"[ ]*\b\d+\.\d\d ms\b"  # the rule in nbval-sanitize.cfg


def naive() -> list[str]:
    return [item.category.name for item in Item.objects.all()]


def joined() -> list[str]:
    return [item.category.name for item in Item.objects.select_related("category")]


@pytest.fixture
def figures(monkeypatch) -> list:
    """The figures compare() draws, collected instead of shown."""
    drawn = []

    def collect(table):
        drawn.append(plot_comparison(table))
        return drawn[-1]

    monkeypatch.setattr(compare_module, "plot_comparison", collect)
    return drawn


def test_counts_are_exact_at_each_size(db, figures):
    table = compare({"naive": naive, "joined": joined}, sizes=(5, 12), repeat=1)

    assert list(table["variant"]) == ["naive", "joined", "naive", "joined"]
    assert list(table["size"]) == [5, 5, 12, 12]
    assert list(table["queries"]) == [6, 1, 13, 1]
    assert (table["seconds"] > 0).all() and table["seconds"].dtype == float


def test_variants_are_measured_interleaved_in_a_rotating_order(db):
    calls = []
    variants = {name: (lambda name=name: calls.append(name)) for name in "abc"}

    compare(variants, sizes=(3,), repeat=2, plot=False)

    # A warm-up round, then two timed rounds; each round starts one variant later.
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]


def test_each_size_reseeds_the_catalog(db):
    seen = []
    compare({"count": lambda: seen.append(Item.objects.count())}, sizes=(4, 9), repeat=1)
    assert seen == [4, 4, 9], "a warm-up call at the first size, then one timed call a size"


def test_only_the_first_size_has_an_untimed_warm_up_round(db, monkeypatch):
    durations = iter([5.0, 1.0, 2.0, 3.0])  # the warm-up's 5 s must not count

    def timed(function):
        return function(), next(durations)

    monkeypatch.setattr(compare_module, "timed", timed)
    table = compare({"list": lambda: None}, sizes=(4, 9), repeat=1, plot=False)
    assert list(table["seconds"]) == [1.0, 2.0]


def test_a_query_count_that_changes_between_calls_is_an_error(db):
    calls = []

    def drifting():
        calls.append(1)
        for _ in calls:
            Category.objects.count()

    with pytest.raises(AssertionError) as error:
        compare({"drifting": drifting}, sizes=(3,), repeat=2, plot=False)
    message = str(error.value)
    assert message.startswith("drifting: the query count changed between calls at 3 items: ")
    assert "[1, 2, 3]" in message
    assert "build a fresh queryset inside the function" in message


def test_a_cache_filled_by_the_first_call_is_caught_as_a_changing_count(db):
    def cached():
        return cache.get_or_set("names", lambda: list(Category.objects.values_list("name")))

    cache.clear()
    with pytest.raises(AssertionError, match=r"\[0, 1\].*clear any cache it fills"):
        compare({"cached": cached}, sizes=(3,), repeat=1, plot=False)


def test_a_lazy_queryset_returned_unread_is_an_error(db):
    with pytest.raises(AssertionError, match="lazy returned a QuerySet that was never evaluated"):
        compare({"lazy": lambda: Item.objects.all()}, sizes=(3,), repeat=1, plot=False)


def test_a_queryset_returned_after_reading_it_is_fine(db):
    def read():
        items = Item.objects.all()
        list(items)
        return items

    assert list(compare({"read": read}, sizes=(3,), repeat=1, plot=False)["queries"]) == [1]


def test_get_strings_run_through_the_client(db):
    table = compare(
        {"list": "GET /api/v1/items/", "detail": "/api/v1/items/1"},
        sizes=(5,),
        repeat=1,
        plot=False,
        client=Client(),
    )
    assert list(table["queries"]) == [2, 1]


def test_a_failing_request_names_the_variant_and_the_status(db):
    with pytest.raises(AssertionError, match=r"^missing: GET /api/v1/items/999 answered 404\.$"):
        compare(
            {"missing": "GET /api/v1/items/999"},
            sizes=(3,),
            repeat=1,
            plot=False,
            client=Client(),
        )


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        (42, "Variant 'bad' is 42; a variant is a function of no arguments"),
        (None, "Variant 'bad' is None; a variant is a function"),
        ("POST /api/v1/items/", "a string variant is 'GET /path'"),
        ("items", "a string variant is 'GET /path'"),
    ],
)
def test_a_bad_variant_is_a_type_error_that_says_what_a_variant_is(db, variant, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        compare({"bad": variant}, sizes=(3,), client=Client(), plot=False)


def test_a_request_string_without_a_client_says_to_pass_one(db):
    with pytest.raises(TypeError, match=r"pass client= to compare\(\) \(lab\.compare does\)"):
        compare({"list": "GET /api/v1/items/"}, sizes=(3,), plot=False)


def test_the_table_shows_times_only_in_the_one_form(db):
    table = compare({"naive": naive, "joined": joined}, sizes=(3, 30), repeat=1, plot=False)
    table.loc[0, "seconds"] = 12.3456789  # a slow machine: four digits of milliseconds

    for shown in (repr(table), table._repr_html_()):
        assert "median time" in shown and "seconds" not in shown
        times = re.findall(r"\d+\.\d+(?: \w+)?", shown)
        assert len(times) == 4, shown
        assert all(re.fullmatch(r"\d+\.\d\d ms", time) for time in times), times
        assert "12345.68 ms" in shown
    assert "queries" in repr(table)
    assert table["seconds"].iloc[0] == 12.3456789, "the data keeps its seconds"


def test_a_derived_frame_is_a_plain_dataframe(db):
    table = compare({"naive": naive}, sizes=(3,), repeat=1, plot=False)
    derived = table[table["variant"] == "naive"]
    assert type(derived).__name__ == "DataFrame"


def test_the_plot_has_queries_and_time_with_one_line_per_variant(db, figures):
    table = compare({"naive": naive, "joined": joined}, sizes=(3, 9, 27), repeat=1)

    (figure,) = figures
    queries, times = figure.axes
    assert [queries.get_ylabel(), times.get_ylabel()] == ["queries", "median time (ms)"]
    for axis in (queries, times):
        assert [line.get_label() for line in axis.get_lines()] == ["naive", "joined"]
        assert all(list(line.get_xdata()) == [3, 9, 27] for line in axis.get_lines())
    assert list(queries.get_lines()[0].get_ydata()) == list(table["queries"][::2])
    assert [text.get_text() for text in queries.get_legend().get_texts()] == ["naive", "joined"]


def test_plot_false_draws_nothing(db, figures):
    compare({"naive": naive}, sizes=(3,), repeat=1, plot=False)
    assert figures == []


def test_the_plot_is_not_left_open_in_pyplot(db):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    compare({"naive": naive}, sizes=(3,), repeat=1)
    assert plt.get_fignums() == before, "figures kept by pyplot pile up when a cell re-runs"


def test_lab_compare_reseeds_the_boot_size_afterwards(lab_kit):
    table = lab_kit.compare({"list": "GET /api/v1/items/"}, sizes=(3,), repeat=1, plot=False)
    assert list(table["queries"]) == [2]
    assert Item.objects.count() == lab_kit.items


def test_lab_compare_reseeds_even_when_a_variant_fails(lab_kit):
    with pytest.raises(TypeError):
        lab_kit.compare({"bad": 1}, sizes=(3,))
    assert Item.objects.count() == lab_kit.items


def test_a_slow_run_shows_the_same_table_once_times_are_sanitized(db):
    def shown(table):
        return [
            re.sub(SANITIZED_DURATION, " <duration>", form)
            for form in (repr(table), table._repr_html_())
        ]

    quick = compare({"naive": naive, "joined": joined}, sizes=(3,), repeat=1, plot=False)
    slow = type(quick)(quick)  # copy() and the like return a plain DataFrame
    slow["seconds"] = [0.0004, 123.4]  # 400 µs next to two minutes: five more digits
    assert shown(slow) == shown(quick)


def comparison(counts: dict[str, list[int]], sizes=(10, 100, 1000)):
    """A compare() table with the given query counts per variant (times from the counts)."""
    import pandas as pd

    rows = [
        {"variant": name, "size": size, "queries": count, "seconds": (count + 1) / 1000}
        for name, per_size in counts.items()
        for size, count in zip(sizes, per_size, strict=True)
    ]
    return pd.DataFrame(rows)


def test_variants_with_equal_counts_stay_visible_as_distinct_lines():
    figure = plot_comparison(comparison({"naive": [51, 501, 5001], "a": [3] * 3, "b": [3] * 3}))

    queries, _ = figure.axes
    a, b = queries.get_lines()[1:]
    assert list(a.get_ydata()) == list(b.get_ydata())
    assert a.get_marker() != b.get_marker() and a.get_linestyle() != b.get_linestyle()
    assert b.get_markersize() < a.get_markersize(), "the later line is drawn smaller, on top"


def test_no_point_is_cut_by_the_plots_border():
    figure = plot_comparison(comparison({"naive": [51, 501, 5001], "joined": [2] * 3}))

    # On log axes, a marker needs room by a factor: a few percent of a decade cuts it.
    for axis in figure.axes:
        low, high = axis.get_ylim()
        values = [y for line in axis.get_lines() for y in line.get_ydata()]
        assert low * 1.3 < min(values) and max(values) * 1.3 < high, (axis.get_title(), low, high)
        left, right = axis.get_xlim()
        assert left * 1.3 < 10 and right > 1000 * 1.3


def test_the_query_axis_shows_a_0_only_for_a_variant_with_0_queries():
    def labels(figure) -> list[str]:
        figure.canvas.draw()
        return [tick.get_text() for tick in figure.axes[0].get_yticklabels() if tick.get_text()]

    without_zero = plot_comparison(comparison({"naive": [51, 501, 5001], "joined": [2] * 3}))
    assert "0" not in labels(without_zero), labels(without_zero)
    assert "1,000" in labels(without_zero), "plain numbers, not powers of ten"
    with_zero = plot_comparison(comparison({"cold": [1] * 3, "warm": [0] * 3}))
    assert "0" in labels(with_zero), labels(with_zero)


def step() -> int:
    return sum(range(100))


def three_steps() -> None:
    for _ in range(3):
        step()


def test_profile_stages_counts_each_stage_exactly_per_call(db):
    stages = {"three steps": ("tests/test_lab_compare.py", "three_steps")}
    stages["· a step"] = ("tests/test_lab_compare.py", "step")

    table = profile_stages(three_steps, stages, calls=5)

    assert list(table["stage"]) == ["three steps", "· a step"]
    assert list(table["calls per call"]) == [1, 3]
    assert table["seconds"][0] >= table["seconds"][1] > 0
    assert re.search(r"calls per call +time per call", repr(table))
    assert len(re.findall(SANITIZED_DURATION, repr(table))) == 2, "times in the one form"


def test_a_stage_the_profile_never_saw_is_named_in_the_error(db):
    with pytest.raises(ValueError, match="'renders': no call of render\\(\\)"):
        profile_stages(three_steps, {"renders": ("ninja/renderers.py", "render")}, calls=1)


def test_bar_chart_draws_one_bar_per_label_top_to_bottom():
    figure = bar_chart(["slow", "fast"], [9.0, 1.0], title="t", xlabel="ms")

    (axis,) = figure.axes
    assert [label.get_text() for label in axis.get_yticklabels()] == ["slow", "fast"]
    assert [bar.get_width() for bar in axis.patches] == [9.0, 1.0]
    assert axis.get_xlim()[1] > 9.0, "room for the value written after the longest bar"

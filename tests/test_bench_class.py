"""The class bench's own logic, without a hub: sizes, samples, summaries, the table."""

import nbformat
import pytest

from demo_project.tools import bench_class as bench
from demo_project.tools.bench_class import MB, Learner


def test_parse_sizes_reads_spaces_and_commas():
    assert bench.parse_sizes("5 10,20  30") == [5, 10, 20, 30]


@pytest.mark.parametrize("text", ["", "0", "5 201", "ten", "5 -1"])
def test_parse_sizes_refuses_what_is_not_a_class(text):
    with pytest.raises(ValueError):
        bench.parse_sizes(text)


def test_record_sample_keeps_peaks_and_the_last_cpu_time_of_each_process():
    learner = Learner("ada")
    assert bench.record_sample(learner, [(1, 100, 150, 1.0), (2, 50, 80, 2.0)]) == 150
    # The kernel (pid 2) ended; the server's memory fell and its CPU time grew.
    assert bench.record_sample(learner, [(1, 90, 140, 3.5)]) == 90
    assert (learner.peak_pss, learner.peak_rss) == (150, 230)
    assert learner.cpu_seconds == 5.5


def summary(**kwargs):
    a, b = Learner("a"), Learner("b")
    bench.record_sample(a, [(1, 300 * MB, 400 * MB, 10.0)])
    bench.record_sample(b, [(2, 100 * MB, 200 * MB, 30.0)])
    a.finished, b.finished = {"00": 5.0, "05": 40.0}, {"00": 7.0}
    a.kernel_memory = {"after 05": [180 * MB, 300 * MB]}
    b.kernel_memory = {"after 05": [160 * MB, 250 * MB], "after 00": [150 * MB, 240 * MB]}
    b.failures = ["05 code cell 3: KeyError: 'x'"]
    return bench.summarize(2, [a, b], 380 * MB, 150 * MB, **kwargs)


def test_summarize_reports_the_worst_learner_the_class_and_every_failure():
    result = summary(spawn_s=9.0)
    assert result["peak_pss_per_learner_mb"] == 300
    assert result["median_pss_per_learner_mb"] == 200
    assert result["peak_rss_per_learner_mb"] == 400
    assert result["class_peak_pss_mb"] == 380
    assert (result["cpu_per_learner_s"], result["cpu_total_s"]) == (20.0, 40.0)
    assert result["last_finished_s"] == 40.0
    assert result["kernel_memory_mb"] == {"after 00": [150, 240], "after 05": [170, 275]}
    assert result["failures"] == ["b: 05 code cell 3: KeyError: 'x'"]
    assert result["spawn_s"] == 9.0


def test_summarize_says_when_no_lesson_finished():
    learner = Learner("a")
    bench.record_sample(learner, [(1, MB, MB, 0.1)])
    assert bench.summarize(1, [learner], MB, 0)["last_finished_s"] is None


def test_table_has_a_row_per_class_size_in_order_with_its_failures():
    results = {"10": {**summary(), "n": 10}, "2": summary()}
    lines = bench.table(results).splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("| 2 | 300 | 400 | 0.4 | 20 | 40 | 40 | 1 |")
    assert lines[3].startswith("| 10 |")


def test_sizing_extends_the_line_through_the_class_peaks():
    results = {
        str(n): {"n": n, "class_peak_pss_mb": 768 + n * 512, "cpu_per_learner_s": 61}
        | {"hub_pss_mb": 256}
        for n in (10, 20)
    }
    assert bench.fit(results, "class_peak_pss_mb") == pytest.approx((768, 512))
    # 0.25 GB + 0.75 GB + 40 x 0.5 GB = 21 GB, a quarter more is 26.25, so 27;
    # 40 x 61 s within 300 s is 8.1 cores, so 9.
    assert bench.sizing(results, 40).startswith("**A class of 40 needs about 27 GB and 9 cores")
    assert "| 100 | 64 | 21 |" in bench.sizing_table(results)  # 51 GB x 1.25 = 63.75


def test_replace_between_keeps_the_prose_around_the_markers():
    text = f"intro\n{bench.MARK_START}\nold\n{bench.MARK_END}\noutro\n"
    new = bench.replace_between(text, "new table")
    assert new == f"intro\n{bench.MARK_START}\nnew table\n{bench.MARK_END}\noutro\n"
    with pytest.raises(ValueError, match="markers"):
        bench.replace_between("intro without markers", "new table")


class FakeKernel:
    """A kernel that fails on the cell that says so."""

    def __init__(self):
        self.sent = []

    def execute(self, code, **kwargs):
        self.sent.append(code)
        if "boom" in code:
            error = {"output_type": "error", "ename": "RuntimeError", "evalue": "boom"}
            return {"status": "error", "outputs": [error]}
        return {"status": "ok", "outputs": []}


def test_run_notebook_stops_at_the_first_error_and_says_where(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise RuntimeError('boom')"),
        nbformat.v4.new_code_cell("never = True"),
    ]
    path = tmp_path / "lesson.ipynb"
    nbformat.write(notebook, path)
    kernel = FakeKernel()
    assert bench.run_notebook(kernel, path) == "code cell 2: RuntimeError: boom"
    assert kernel.sent == ["x = 1", "raise RuntimeError('boom')"]
    kernel = FakeKernel()
    notebook.cells.pop(2)
    nbformat.write(notebook, path)
    assert bench.run_notebook(kernel, path) is None
    assert len(kernel.sent) == 2


def test_report_lists_each_failure_and_the_kernels_memory_in_order():
    result = {**summary(load_before=1.0, load_after=2.0), "stopped": None}
    result["kernel_memory_mb"]["fresh kernel"] = [40, 120]
    text = bench.report({"2": result})
    assert "- class of 2: b: 05 code cell 3: KeyError: 'x'" in text
    assert text.index("| fresh kernel | 40 | 120 |") < text.index("| after 00 |")
    assert text.index("| after 00 |") < text.index("| after 05 |")
    assert "2 learners, 1.0 before and 2.0 after" in text

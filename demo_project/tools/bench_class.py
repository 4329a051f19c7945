"""How big a server a class needs: N learners on one JupyterHub, measured.

    python -m demo_project.tools.bench_class 5 10 20 30

For each class size N: start a hub (deploy/jupyterhub/bench_config.py), create N learners
and start their servers through the hub's REST API, then have every learner at once run
lesson 00, lesson 05 and the exercise of lesson 05 (as a learner who solved it), each
notebook in a kernel of its own, cells sent over the kernel's websocket
(jupyter-kernel-client). A sampler reads each learner's process tree (server and kernels)
every second: PSS (shared pages split between the processes that share them, so the sum
over a class is what the machine holds) and RSS, and CPU time. Results are merged into
var/bench-class/results.json by N; the table and plot go to docs/.
"""

import argparse
import contextlib
import json
import math
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / "var" / "bench-class"
RESULTS = STATE / "results.json"
DOC = ROOT / "docs" / "class-sizing.md"
PLOT = ROOT / "docs" / "bench-class.png"
CONFIG = ROOT / "deploy" / "jupyterhub" / "bench_config.py"
PORT = 28000
WORKBOOK = "workbook"  # the folder the nbgitpuller link clones into, in each home
MB = 1024 * 1024
# (what the learner runs, where it comes from): the exercise is the solved one, since a
# learner's unsolved exercise stops at its first check.
NOTEBOOKS = {
    "00": ("notebooks/00-start-here.ipynb", "notebooks/00-start-here.ipynb"),
    "05": (
        "notebooks/05-selectors-and-n-plus-one.ipynb",
        "notebooks/05-selectors-and-n-plus-one.ipynb",
    ),
    "ex05": (
        "exercises/05-selectors-and-n-plus-one.ipynb",
        "solutions/05-selectors-and-n-plus-one.ipynb",
    ),
}
MEMORY_SNIPPET = (
    "import psutil as _p; _m = _p.Process().memory_full_info(); print(_m.pss, _m.rss); del _p, _m"
)
# What a kernel could give back after lesson 05: the seeded catalog, figures, the output cache.
FREE_SNIPPET = (
    "lab.reseed(items=0)\n"
    "import gc, matplotlib.pyplot as _plt\n_plt.close('all')\n"
    "get_ipython().run_line_magic('reset', '-f out')\ngc.collect()"
)
MARK_START = "<!-- bench-class table: written by make bench-class -->"
MARK_END = "<!-- end of bench-class table -->"


def parse_sizes(text: str) -> list[int]:
    """Return the class sizes in ``text`` ("5 10 20", "5,10"), each between 1 and 200."""
    sizes = [int(word) for word in text.replace(",", " ").split()]
    if not sizes or any(not 1 <= n <= 200 for n in sizes):
        raise ValueError(f"class sizes must be whole numbers from 1 to 200, not {text!r}")
    return sizes


@dataclass
class Learner:
    """One learner's run: what finished, what failed, what the samples saw."""

    name: str
    finished: dict[str, float] = field(default_factory=dict)  # notebook -> seconds from start
    failures: list[str] = field(default_factory=list)
    kernel_memory: dict[str, list[int]] = field(default_factory=dict)  # moment -> [pss, rss]
    peak_pss: int = 0
    peak_rss: int = 0
    cpu_by_pid: dict[int, float] = field(default_factory=dict)
    kernels: list = field(default_factory=list)  # left running until the whole class is done

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu_by_pid.values())


def record_sample(learner: Learner, processes: list[tuple[int, int, int, float]]) -> int:
    """Fold one sample of a learner's tree, (pid, pss, rss, cpu), into it; return its PSS."""
    pss = sum(p[1] for p in processes)
    learner.peak_pss = max(learner.peak_pss, pss)
    learner.peak_rss = max(learner.peak_rss, sum(p[2] for p in processes))
    for pid, _, _, cpu in processes:  # CPU time only grows: the last sample of a pid holds
        learner.cpu_by_pid[pid] = max(learner.cpu_by_pid.get(pid, 0.0), cpu)
    return pss


def summarize(n: int, learners: list[Learner], class_peak_pss: int, hub_pss: int, **extra) -> dict:
    """Return the figures of one class size, in MB and seconds."""
    done = [max(learner.finished.values()) for learner in learners if learner.finished]
    moments = sorted({m for learner in learners for m in learner.kernel_memory})
    after = {  # the median learner's kernel, [PSS, RSS] in MB
        moment: [
            statistics.median(
                lrn.kernel_memory[moment][i] / MB for lrn in learners if moment in lrn.kernel_memory
            )
            for i in (0, 1)
        ]
        for moment in moments
    }
    return {
        "n": n,
        "peak_pss_per_learner_mb": max(learner.peak_pss for learner in learners) / MB,
        "median_pss_per_learner_mb": statistics.median(lrn.peak_pss for lrn in learners) / MB,
        "peak_rss_per_learner_mb": max(learner.peak_rss for learner in learners) / MB,
        "class_peak_pss_mb": class_peak_pss / MB,
        "hub_pss_mb": hub_pss / MB,
        "cpu_per_learner_s": statistics.median(lrn.cpu_seconds for lrn in learners),
        "cpu_total_s": sum(learner.cpu_seconds for learner in learners),
        "last_finished_s": max(done) if done else None,
        "kernel_memory_mb": after,
        "failures": [f"{lrn.name}: {f}" for lrn in learners for f in lrn.failures],
        **extra,
    }


def table(results: dict[str, dict]) -> str:
    """Return the results, one row per class size, as a Markdown table."""
    rows = [
        "| learners | peak PSS per learner (MB) | peak RSS per learner (MB) "
        "| class peak PSS (GB) | CPU per learner (s) | CPU, whole class (s) "
        "| last lesson done after (s) | failures |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(results.values(), key=lambda r: r["n"]):
        last = "-" if r["last_finished_s"] is None else f"{r['last_finished_s']:.0f}"
        rows.append(
            f"| {r['n']} | {r['peak_pss_per_learner_mb']:.0f} | {r['peak_rss_per_learner_mb']:.0f} "
            f"| {r['class_peak_pss_mb'] / 1024:.1f} | {r['cpu_per_learner_s']:.0f} "
            f"| {r['cpu_total_s']:.0f} | {last} | {len(r['failures'])} |"
        )
    return "\n".join(rows)


def kernel_table(result: dict) -> str:
    """Return one kernel's memory at each moment of a run (the median learner's)."""
    rows = ["| one kernel | PSS (MB) | RSS (MB) |", "|---|---:|---:|"]
    memory = result["kernel_memory_mb"]
    order = ["fresh kernel", "after 00", "after 05", "after 05, data and figures freed"]
    moments = [m for m in order if m in memory] + sorted(set(memory) - set(order))
    for moment in moments:
        pss, rss = memory[moment]
        rows.append(f"| {moment} | {pss:.0f} | {rss:.0f} |")
    return "\n".join(rows)


def report(results: dict[str, dict]) -> str:
    """Return the generated part of the guide: the tables and the sizing sentence."""
    largest = max(results.values(), key=lambda r: r["n"])
    failures = [f"- class of {r['n']}: {f}" for r in results.values() for f in r["failures"]]
    stopped = [f"- class of {r['n']}: {r['stopped']}" for r in results.values() if r.get("stopped")]
    loads = "; ".join(
        f"{r['n']} learners, {r['load_before']:.1f} before and {r['load_after']:.1f} after"
        for r in sorted(results.values(), key=lambda r: r["n"])
    )
    return "\n\n".join(
        [
            table(results),
            f"Load average of the machine (1 minute) by class size: {loads}.",
            f"In the class of {largest['n']}, one kernel of the median learner:",
            kernel_table(largest),
            sizing(results, 40),
            sizing_table(results),
            "Failures: "
            + ("\n" + "\n".join(failures + stopped) if failures or stopped else "none."),
        ]
    )


def fit(results: dict[str, dict], key: str) -> tuple[float, float]:
    """Return (fixed, per learner) of the least-squares line of ``key`` against N."""
    points = [(r["n"], r[key]) for r in results.values()]
    if len({n for n, _ in points}) < 2:
        n, value = points[0]
        return 0.0, value / n
    slope, intercept = statistics.linear_regression(*zip(*points, strict=True))
    return intercept, slope


def need(results: dict[str, dict], learners: int, minutes: float = 5.0) -> dict:
    """Return what a class of ``learners`` needs, from the line through the measured peaks.

    Memory: the hub and proxy, plus the line's fixed part and its slope per learner, plus a
    quarter for the system and for spikes between samples. Cores: every learner's CPU time
    of the bench, spent within ``minutes`` of everyone pressing Run All.
    """
    fixed, per_learner = fit(results, "class_peak_pss_mb")
    hub = statistics.median(r["hub_pss_mb"] for r in results.values())
    measured_gb = (hub + fixed + per_learner * learners) / 1024
    cpu = statistics.median(r["cpu_per_learner_s"] for r in results.values())
    return {
        "learners": learners,
        "hub_mb": hub,
        "fixed_mb": fixed,
        "per_learner_mb": per_learner,
        "measured_gb": measured_gb,
        "memory_gb": math.ceil(measured_gb * 1.25),
        "cpu_per_learner_s": cpu,
        "cores": math.ceil(learners * cpu / (minutes * 60)),
        "minutes": minutes,
    }


def sizing(results: dict[str, dict], learners: int, minutes: float = 5.0) -> str:
    """Return the sizing sentence for a class of ``learners``, with its arithmetic."""
    n = need(results, learners, minutes)
    return (
        f"**A class of {learners} needs about {n['memory_gb']} GB and {n['cores']} cores for "
        f"lessons 00 and 05 at once.** Memory: {n['hub_mb']:.0f} MB for the hub and proxy, "
        f"{n['fixed_mb']:.0f} MB + {n['per_learner_mb']:.0f} MB per learner (the line through "
        f"the measured class peaks), {n['measured_gb']:.1f} GB in all, plus a quarter for the "
        f"system and for spikes between samples. Cores: {learners} learners x "
        f"{n['cpu_per_learner_s']:.0f} s of CPU time each, spent within {minutes:.0f} minutes "
        f"of everyone pressing Run All."
    )


def sizing_table(results: dict[str, dict], sizes=(20, 40, 60, 100)) -> str:
    """Return the memory and cores of a few class sizes, by the same arithmetic."""
    rows = ["| class | memory (GB) | cores |", "|---:|---:|---:|"]
    for learners in sizes:
        n = need(results, learners)
        rows.append(f"| {learners} | {n['memory_gb']} | {n['cores']} |")
    return "\n".join(rows)


def replace_between(text: str, block: str) -> str:
    """Return ``text`` with the generated block between the markers replaced by ``block``."""
    if MARK_START not in text or MARK_END not in text:
        raise ValueError(f"{DOC.name} lost its markers; put back {MARK_START} and {MARK_END}")
    head, rest = text.split(MARK_START, 1)
    _, tail = rest.split(MARK_END, 1)
    return f"{head}{MARK_START}\n{block}\n{MARK_END}{tail}"


def plot(results: dict[str, dict], path: Path) -> None:
    """Plot class peak memory and CPU time against the class size."""
    import matplotlib.pyplot as plt

    rows = sorted(results.values(), key=lambda r: r["n"])
    n = [r["n"] for r in rows]
    figure, (memory, cpu) = plt.subplots(1, 2, figsize=(10, 4))
    memory.plot(n, [r["class_peak_pss_mb"] / 1024 for r in rows], "o-", label="class peak PSS")
    memory.set(xlabel="learners", ylabel="GB", title="Memory, whole class")
    cpu.plot(n, [r["cpu_total_s"] for r in rows], "o-", label="CPU time, whole class")
    cpu.plot(n, [r["last_finished_s"] or 0 for r in rows], "s--", label="wall time to last done")
    cpu.set(xlabel="learners", ylabel="seconds", title="Time")
    for axes in (memory, cpu):
        axes.legend()
        axes.set_xticks(n)
        axes.set_xlim(left=0)
        axes.set_ylim(bottom=0)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


# The live part: a hub, its learners, a sampler.


class Hub:
    """A JupyterHub on loopback, started with the bench's config, stopped with the object."""

    def __init__(self, state: Path, port: int = PORT):
        self.state, self.url, self.token = state, f"http://127.0.0.1:{port}", secrets.token_hex(32)
        bin_dir = Path(sys.executable).parent
        # The course's own variables (deploy/jupyterhub/jupyterhub_config.py).
        env = {
            **os.environ,
            "WORKBOOK_HUB_IP": "127.0.0.1",
            "WORKBOOK_HUB_PORT": str(port),
            "WORKBOOK_HUB_SPAWNER": "simple",
            "WORKBOOK_HUB_HOMES": str(state / "homes"),
            "WORKBOOK_HUB_DATA": str(state / "hub"),
            "WORKBOOK_HUB_API_TOKEN": self.token,
            "WORKBOOK_HUB_PASSWORD": secrets.token_hex(16),
            "WORKBOOK_HUB_CULL_AFTER": str(24 * 3600),
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        }
        self.log = (state / "hub.log").open("w")
        self.process = subprocess.Popen(
            [str(bin_dir / "jupyterhub"), "-f", str(CONFIG)],
            cwd=state,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.api = httpx.Client(
            base_url=f"{self.url}/hub/api",
            headers={"Authorization": f"token {self.token}"},
            timeout=60,
        )
        for _ in range(120):
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited; see {state / 'hub.log'}")
            try:
                if self.api.get("/").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the hub did not answer in a minute; see {state / 'hub.log'}")

    def spawn(self, names: list[str]) -> list[str]:
        """Create the learners and start their servers; return those whose server failed."""
        self.api.post("/users", json={"usernames": names}).raise_for_status()
        for name in names:
            self.api.post(f"/users/{name}/server").raise_for_status()
        waiting, failed = set(names), []
        while waiting:
            time.sleep(1)
            for name in sorted(waiting):
                server = self.api.get(f"/users/{name}").json()["servers"].get("")
                if server and not server["ready"]:
                    continue  # still starting
                waiting.discard(name)
                if not server:  # the hub gave up on it (its log says why)
                    failed.append(name)
                state = "ready" if server else "FAILED to start"
                print(f"  server of {name} {state} ({len(names) - len(waiting)}/{len(names)})")
        return failed

    def server_process(self, name: str) -> psutil.Process:
        """Return the single-user server of ``name`` (a child of the hub)."""
        for child in psutil.Process(self.process.pid).children():
            try:
                if child.environ().get("JUPYTERHUB_USER") == name:
                    return child
            except psutil.Error:
                continue
        raise RuntimeError(f"no server process for {name}")

    def stop(self) -> None:
        self.process.terminate()  # cleanup_servers: the hub stops the learners' servers
        try:
            self.process.wait(20)  # it may hang after its "...done", its servers stopped
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def tree(process: psutil.Process) -> list[tuple[int, int, int, float]]:
    """Return (pid, pss, rss, cpu seconds) for a process and its descendants."""
    rows = []
    for p in [process, *process.children(recursive=True)]:
        try:
            memory, cpu = p.memory_full_info(), p.cpu_times()
        except psutil.Error:  # ended between the listing and the reading
            continue
        rows.append((p.pid, memory.pss, memory.rss, cpu.user + cpu.system))
    return rows


def kernel_memory(kernel) -> list[int]:
    """Return [pss, rss] of the kernel process, as it reads itself."""
    reply = kernel.execute(MEMORY_SNIPPET, store_history=False)
    text = "".join(o.get("text", "") for o in reply["outputs"])
    return [int(word) for word in text.split()[:2]]


def run_notebook(kernel, path: Path) -> str | None:
    """Run the code cells of ``path`` in order; return what failed, or None."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    for number, cell in enumerate(cells, 1):
        reply = kernel.execute(cell.source, timeout=900)
        if reply["status"] != "ok":
            error = next((o for o in reply["outputs"] if o["output_type"] == "error"), {})
            return f"code cell {number}: {error.get('ename')}: {error.get('evalue', '')[:200]}"
    return None


def run_learner(hub: Hub, learner: Learner, started: float, stop: threading.Event) -> None:
    """Run the three notebooks one after the other, each kernel left running, as in a lab."""
    from jupyter_kernel_client import JupyterKernelClient

    kernels = learner.kernels
    try:
        for key, (path, _) in NOTEBOOKS.items():
            if stop.is_set():
                learner.failures.append(f"{key}: not run, the bench stopped")
                return
            kernel = JupyterKernelClient(
                server_url=f"{hub.url}/user/{learner.name}",
                token=hub.token,
                # The server takes a token in a websocket's URL only from a browser.
                headers={"Authorization": f"token {hub.token}"},
            )
            kernel.start(path=str(Path(WORKBOOK, path).parent))
            kernels.append(kernel)
            if key == "00":
                learner.kernel_memory["fresh kernel"] = kernel_memory(kernel)
            failure = run_notebook(kernel, hub.state / "homes" / learner.name / WORKBOOK / path)
            learner.finished[key] = time.monotonic() - started
            if failure:
                learner.failures.append(f"{key} {failure}")
            learner.kernel_memory[f"after {key}"] = kernel_memory(kernel)
            print(
                f"  [{learner.finished[key]:6.0f} s] {learner.name} {key} "
                + ("FAILED " + failure if failure else "done")
            )
        key = "the memory probe after the lessons"
        kernel = kernels[list(NOTEBOOKS).index("05")]
        kernel.execute(FREE_SNIPPET, store_history=False)
        learner.kernel_memory["after 05, data and figures freed"] = kernel_memory(kernel)
    except Exception as error:  # a learner who could not run is reported, not dropped
        learner.failures.append(f"{key}: {type(error).__name__}: {error}")
        print(f"  {learner.name} FAILED in {learner.failures[-1]}")


def stop_kernels(learner: Learner) -> None:
    """Shut the learner's kernels down; the hub then stops their server."""
    for kernel in learner.kernels:
        with contextlib.suppress(Exception):  # the hub stops the server anyway
            kernel.stop()


def lay_out_home(home: Path) -> None:
    """Give a learner the workbook as the nbgitpuller link does: notebooks and demo_project."""
    workbook = home / WORKBOOK
    shutil.copytree(
        ROOT / "demo_project",
        workbook / "demo_project",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for path, source in NOTEBOOKS.values():
        (workbook / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / source, workbook / path)


def bench(n: int, interval: float, memory_floor_mb: int) -> dict:
    """Run one class of ``n`` learners; return its summary."""
    state = STATE / f"n{n}"
    shutil.rmtree(state, ignore_errors=True)
    names = [f"learner-{i:02d}" for i in range(1, n + 1)]
    for name in names:
        lay_out_home(state / "homes" / name)
    load_before = os.getloadavg()
    print(f"class of {n}: starting the hub (load average {load_before[0]:.1f})")
    hub = Hub(state)
    try:
        spawn_started = time.monotonic()
        failed = hub.spawn(names)
        spawn_seconds = time.monotonic() - spawn_started
        learners = {name: Learner(name) for name in names}
        for name in failed:
            learners[name].failures.append(f"server did not start; see {hub.state / 'hub.log'}")
            names.remove(name)
        servers = {name: hub.server_process(name) for name in names}
        stop, started = threading.Event(), time.monotonic()
        threads = [
            threading.Thread(target=run_learner, args=(hub, learners[name], started, stop))
            for name in names
        ]
        for thread in threads:
            thread.start()
        class_peak, hub_peak, last_report, low_memory = 0, 0, started, None
        hub_process = psutil.Process(hub.process.pid)
        server_pids = {server.pid for server in servers.values()}
        while any(thread.is_alive() for thread in threads):
            class_now = sum(
                record_sample(learners[name], tree(server)) for name, server in servers.items()
            )
            class_peak = max(class_peak, class_now)
            hub_now = hub_process.memory_full_info().pss + sum(
                row[1]
                for child in hub_process.children()
                if child.pid not in server_pids
                for row in tree(child)
            )
            hub_peak = max(hub_peak, hub_now)
            available = psutil.virtual_memory().available / MB
            if available < memory_floor_mb and not stop.is_set():
                low_memory = f"stopped: only {available:.0f} MB of memory left on the machine"
                print(f"  {low_memory}; the learners stop after their current cell")
                stop.set()
            if time.monotonic() - last_report >= 15:
                last_report = time.monotonic()
                done = sum(len(learner.finished) for learner in learners.values())
                print(
                    f"  [{last_report - started:6.0f} s] notebooks done {done}/{3 * n}, "
                    f"class PSS {class_now / MB / 1024:.1f} GB, {available / 1024:.1f} GB free"
                )
            time.sleep(interval)
        with ThreadPoolExecutor(max_workers=32) as pool:  # a shutdown takes seconds under load
            list(pool.map(stop_kernels, learners.values()))
    finally:
        hub.stop()
    return summarize(
        n,
        list(learners.values()),
        class_peak,
        hub_peak,
        spawn_s=spawn_seconds,
        load_before=load_before[0],
        load_after=os.getloadavg()[0],
        stopped=low_memory,
    )


# What one kernel's memory is made of: each line runs in a fresh Python, after the one before.
IMPORTS = {
    "Python and psutil": "pass",
    "+ the lab booted, empty catalog": "from demo_project.lab import boot; boot(items=0)",
    "+ 1000 items (lesson 05's largest)": "boot(items=1000)",
    "+ pandas": "import pandas",
    "+ matplotlib.pyplot": "import matplotlib.pyplot",
}


def import_costs() -> str:
    """Return a table of what booting, the catalog and each library add to a process."""
    rows = ["| a Python process with | RSS (MB) | USS (MB) |", "|---|---:|---:|"]
    lines = []
    env = {**os.environ, "MPLBACKEND": "Agg"}
    for what, line in IMPORTS.items():
        lines.append(line)
        code = "\n".join([*lines, "import psutil", "print(*psutil.Process().memory_full_info())"])
        fields = psutil.Process().memory_full_info()._fields
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        if out.returncode:
            raise RuntimeError(f"{line!r} failed: {out.stderr[-500:]}")
        memory = dict(zip(fields, map(int, out.stdout.split()[-len(fields) :]), strict=True))
        rows.append(f"| {what} | {memory['rss'] / MB:.0f} | {memory['uss'] / MB:.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", help="class sizes, e.g. 5 10 20 30")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    parser.add_argument(
        "--memory-floor", type=int, default=2048, help="stop the learners below this many MB free"
    )
    parser.add_argument("--fresh", action="store_true", help="forget the earlier results")
    parser.add_argument("--report", action="store_true", help="only rewrite the guide's table")
    parser.add_argument("--imports", action="store_true", help="only measure one kernel's parts")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="the results file to merge into"
    )
    parser.add_argument("--no-docs", action="store_true", help=f"leave {DOC.name} and the plot be")
    args = parser.parse_args(argv)
    if args.imports:
        print(import_costs())
        return 0
    try:
        sizes = [] if args.report else parse_sizes(" ".join(args.sizes))
    except ValueError as error:
        parser.error(str(error))
    STATE.mkdir(parents=True, exist_ok=True)
    path = args.results
    results = {} if args.fresh or not path.exists() else json.loads(path.read_text())
    for n in sizes:
        results[str(n)] = result = bench(n, args.interval, args.memory_floor)
        path.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps(result, indent=2))
        for failure in result["failures"]:
            print(f"FAILED {failure}")
    if not results:
        parser.error(f"no results yet in {path}: run some class sizes first")
    block = report(results)
    print(block)
    if not args.no_docs:
        DOC.write_text(replace_between(DOC.read_text(), block))
        plot(results, PLOT)
        print(f"Written: {path}, {DOC.relative_to(ROOT)}, {PLOT.relative_to(ROOT)}")
    return 1 if any(r["failures"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

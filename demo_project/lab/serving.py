"""Real servers for a measurement: uvicorn in subprocesses on loopback, stopped after.

    from demo_project.lab.serving import load, serve

    with serve("wsgi", "asgi", threads=4) as urls:
        result = load(urls["asgi"] + "/async?wait_ms=50", concurrency=10, requests=20)

``"asgi"`` is Django's ASGI application under uvicorn: one event loop for every request
(Django runs a sync view there in a thread of its own per request).
``"wsgi"`` is Django's WSGI application under the same uvicorn, through a2wsgi's pool of
``threads`` threads: a sync deployment that serves that many requests at once, as
``gunicorn --threads 4`` would. Both serve ``slow_api``'s two endpoints with the project's
settings but no middleware (the project's includes a sync-only one, which would give every
async request a thread of its own), run without ``DJANGO_ALLOW_ASYNC_UNSAFE`` (as in
production), bind a free port, and stop themselves after ``lifetime`` seconds even if
nobody stops them.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .timing import format_duration

KINDS = ("wsgi", "asgi")
LIFETIME = 60.0  # seconds a server lives at most
STARTUP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0


# The servers


@contextlib.contextmanager
def serve(*kinds: str, threads: int = 4, lifetime: float = LIFETIME) -> Iterator[dict[str, str]]:
    """Start one server of each kind at once; yield their base URLs by kind; stop them."""
    unknown = set(kinds) - set(KINDS)
    if unknown or not kinds:
        raise ValueError(f"serve() takes some of {KINDS}, not {sorted(unknown) or 'nothing'}.")
    with contextlib.ExitStack() as stack:
        env = dict(os.environ)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # a server refuses sync ORM calls in async code
        log_folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        started = {
            kind: stack.enter_context(_process(kind, threads, lifetime, env, log_folder))
            for kind in kinds
        }
        yield {kind: f"http://127.0.0.1:{_port(kind, *started[kind])}" for kind in kinds}


@contextlib.contextmanager
def _process(kind: str, threads: int, lifetime: float, env: dict, log_folder: Path):
    command = [sys.executable, "-m", "demo_project.lab.serving", kind]
    command += ["--threads", str(threads), "--lifetime", str(lifetime)]
    log = log_folder / f"{kind}.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        yield process, lines, log
    finally:
        stop(process)
        process.stdout.close()


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask ``process`` to stop; kill it if it has not within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _port(kind: str, process: subprocess.Popen, lines: queue.Queue, log: Path) -> int:
    """Wait for the server's first line, the port it listens on."""
    try:
        line = lines.get(timeout=STARTUP_TIMEOUT)
    except queue.Empty:
        line = ""
    if not line.strip().isdigit():
        process.kill()
        process.wait()
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"The {kind} server did not start; its last lines:\n" + "\n".join(tail))
    return int(line)


# What runs in the server process: python -m demo_project.lab.serving asgi


def _configure_django() -> None:
    """The project's settings, with slow_api's two endpoints as the URLconf, no middleware."""
    import django
    from django.conf import settings

    from demo_project import settings as project

    values = {name: getattr(project, name) for name in dir(project) if name.isupper()}
    settings.configure(**{**values, "ROOT_URLCONF": "demo_project.lab.slow_api", "MIDDLEWARE": []})
    django.setup()


def _application(kind: str, threads: int):
    if kind == "asgi":
        from django.core.asgi import get_asgi_application

        return get_asgi_application()
    from a2wsgi import WSGIMiddleware
    from django.core.wsgi import get_wsgi_application

    return WSGIMiddleware(get_wsgi_application(), workers=threads)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve lesson 09's slow endpoints.")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--lifetime", type=float, default=LIFETIME)
    options = parser.parse_args(argv)

    import uvicorn

    _configure_django()
    application = _application(options.kind, options.threads)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(256)
    server = uvicorn.Server(
        uvicorn.Config(application, lifespan="off", access_log=False, log_level="warning")
    )
    stop = threading.Timer(options.lifetime, lambda: setattr(server, "should_exit", True))
    stop.daemon = True
    stop.start()
    print(listening.getsockname()[1], flush=True)
    server.run(sockets=[listening])


# The load


@dataclass(frozen=True)
class Load:
    """What ``concurrency`` clients measured sending ``requests`` requests in all."""

    concurrency: int
    requests: int
    ok: int
    latencies: tuple[float, ...]
    seconds: float

    @property
    def throughput(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds

    @property
    def latency(self) -> float:
        """The median time a client waited for an answer, in seconds."""
        return statistics.median(self.latencies)

    def row(self) -> dict:
        """The measurement as a table row; times in the kit's one printed form."""
        return {
            "concurrency": self.concurrency,
            "requests": self.requests,
            "answered 200": self.ok,
            "median latency": format_duration(self.latency),
            "time per request": format_duration(self.seconds / self.requests),
        }


def load(url: str, *, concurrency: int, requests: int) -> Load:
    """Send ``requests`` GETs to ``url`` from ``concurrency`` clients at once; time each."""
    if not 1 <= concurrency <= requests:
        raise ValueError("Use 1 <= concurrency <= requests.")
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    shares = [requests // concurrency + (n < requests % concurrency) for n in range(concurrency)]
    ready = threading.Barrier(concurrency, timeout=REQUEST_TIMEOUT)

    def client(count: int) -> list[tuple[int, float, float]]:
        answers = []
        ready.wait()  # every client is up: they start together
        for _ in range(count):
            # A connection per request, as a load tester without keep-alive opens them: on
            # a kept-alive connection, TCP's delayed acknowledgement adds ~40 ms to each.
            connection = http.client.HTTPConnection(parts.hostname, parts.port, REQUEST_TIMEOUT)
            started = time.perf_counter()
            try:
                connection.request("GET", target)
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            answers.append((response.status, started, time.perf_counter()))
        return answers

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = [a for answers in pool.map(client, shares) for a in answers]
    return Load(
        concurrency=concurrency,
        requests=requests,
        ok=sum(status == 200 for status, _, _ in answers),
        latencies=tuple(end - start for _, start, end in answers),
        seconds=max(end for _, _, end in answers) - min(start for _, start, _ in answers),
    )


def plot_loads(loads: dict[tuple[str, int], Load]):
    """Plot median latency and throughput against concurrency, a line per name of ``loads``.

    ``loads`` maps (name, concurrency) to what ``load()`` measured.
    """
    from matplotlib.figure import Figure

    from .compare import _show

    figure = Figure(figsize=(10, 3.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    for name in dict.fromkeys(name for name, _ in loads):
        levels = [clients for each, clients in loads if each == name]
        latencies = [loads[name, clients].latency * 1000 for clients in levels]
        left.plot(levels, latencies, marker="o", label=name)
        right.plot(levels, [loads[name, clients].throughput for clients in levels], marker="o")
    for axis, label in ((left, "median latency (ms)"), (right, "requests per second")):
        axis.set_xscale("log")
        axis.set_xlabel("concurrent clients")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    left.legend()
    _show(figure)
    return figure


if __name__ == "__main__":
    main()

"""Servers on loopback for tests and benchmarks: start one, wait until it answers, stop it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from demo_project.lab.serving import stop

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited ({process.returncode}) before {url} answered.")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:g} s.")


@contextlib.contextmanager
def serving(command: list[str], env: dict, ready: str) -> Iterator[None]:
    """Run a server for the block: wait until ``ready`` answers, stop it afterwards."""
    # Its output goes to a file: a pipe nobody reads would fill up and stall the server.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_http(ready, process)
            yield
        finally:
            stop(process)


@contextlib.contextmanager
def served_api(database_url: str, *, items: int, env: dict | None = None) -> Iterator[str]:
    """Migrate and seed ``database_url``, serve it with runserver; yield the base URL."""
    env = {**(env or os.environ), "DATABASE_URL": database_url}
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["migrate", "--no-input"], ["seed_catalog", "--items", str(items)]):
        subprocess.run([*manage, *step], env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    runserver = [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"]
    with serving(runserver, env, ready=f"{base}/api/v1/tags/"):
        yield base

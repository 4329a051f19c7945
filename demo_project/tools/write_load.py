"""Concurrent writers against a served API: how many writes fail, and whether any is lost.

``served(database_url)`` migrates and seeds a database, then runs ``manage.py runserver``
on a free loopback port for the block. ``run_writers`` has N clients, each with a demo
user's token, create items and change their own (POST and PATCH) for a bounded time, and records
every acknowledged write. ``WriteLoad.lost`` reads each acknowledged write back through
the API: a write the server answered 2xx for must be there.

Used by the tests (a few seconds of load) and by ``make bench`` (20 s).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from .serving import served_api

# Seeded demo users (seed_catalog); each client uses one of them, in turn.
WRITERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace")
PASSWORD = "workbook-password"
NO_ANSWER = 0  # the status recorded for a request that got no HTTP answer
SERVER_ENVIRONMENT = {
    # A fixed key of this run only: the server is on loopback and gone with the block.
    "DJANGO_SECRET_KEY": "write-load-" + "x" * 50,
    "JWT_SIGNING_KEY": "write-load-jwt-" + "y" * 50,
    "DJANGO_DEBUG": "0",
    "DJANGO_FAST_PASSWORD_HASHER": "1",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    # Every client asks for its token at once, from one address, and a shared cache
    # (Redis) remembers the last run's requests: the token throttle is not measured here.
    "TOKEN_THROTTLE_RATE": "1000/min",
}


@contextlib.contextmanager
def served(database_url: str, *, items: int = 100, environ: dict | None = None) -> Iterator[str]:
    """Serve a seeded ``database_url`` with runserver, as the writers' target; yield its URL."""
    env = {**os.environ, **SERVER_ENVIRONMENT, **(environ or {})}
    env.pop("CELERY_BROKER_URL", None)  # tasks run in the server, eagerly
    with served_api(database_url, items=items, env=env) as base_url:
        yield base_url


def _request(base_url: str, method: str, path: str, body=None, token: str | None = None):
    """Send one request on a fresh connection; return (status, parsed JSON or None)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, None if body is None else json.dumps(body), headers)
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(payload) if payload else None
    except ValueError:
        return response.status, None


def token_for(base_url: str, username: str) -> str:
    status, body = _request(
        base_url, "POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD}
    )
    if status != 200:
        raise RuntimeError(f"No token for {username}: {status} {body}")
    return body["access_token"]


@dataclass
class WriteLoad:
    """What N concurrent writers did: statuses, latencies and every acknowledged write."""

    clients: int
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    created: dict[int, str] = field(default_factory=dict)  # id -> acknowledged name
    described: dict[int, str] = field(default_factory=dict)  # id -> last acknowledged PATCH
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def failures(self) -> int:
        """Server errors and requests that got no answer."""
        return self.server_errors + self.statuses[NO_ANSWER]

    @property
    def acknowledged(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)

    @property
    def writes_per_second(self) -> float:
        return self.acknowledged / self.seconds if self.seconds else 0.0

    @property
    def p95(self) -> float:
        """The 95th percentile of the writes' latencies, in seconds."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=20)[-1]

    def record(self, status: int, latency: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(latency)

    def lost(self, base_url: str) -> list[str]:
        """Read every acknowledged write back through the API; describe each one missing."""
        missing = []
        for item_id, name in sorted(self.created.items()):
            status, body = _request(base_url, "GET", f"/api/v1/items/{item_id}")
            if status != 200 or body["name"] != name:
                missing.append(f"item {item_id} ({name}): {status} {body}")
            elif item_id in self.described and body["description"] != self.described[item_id]:
                missing.append(f"item {item_id}: {body['description']!r}, acknowledged "
                               f"{self.described[item_id]!r}")  # fmt: skip
        return missing


def _write(base_url: str, token: str, number: int, step: int, mine: list[int], load: WriteLoad):
    """Create an item on odd steps, change one of this client's items on even ones."""
    if step % 2 or not mine:
        name = f"Load item {number}-{step}"
        body = {"name": name, "price": "9.99", "category_id": 1}
        status, answer = _request(base_url, "POST", "/api/v1/items/", body, token)
        if status == 201:
            mine.append(answer["id"])
            with load.lock:
                load.created[answer["id"]] = name
        return status
    item_id = mine[step // 2 % len(mine)]
    description = f"changed by client {number} at step {step}"
    status, _ = _request(
        base_url, "PATCH", f"/api/v1/items/{item_id}", {"description": description}, token
    )
    if status == 200:
        with load.lock:
            load.described[item_id] = description
    return status


def _writer(base_url: str, token: str, number: int, load: WriteLoad, stop: float) -> None:
    """Write until ``stop``; only this client edits the items it created."""
    mine: list[int] = []
    step = 0
    while time.monotonic() < stop:
        step += 1
        started = time.perf_counter()
        try:
            status = _write(base_url, token, number, step, mine, load)
        except OSError:  # refused, reset or timed out: no answer at all
            status = NO_ANSWER
        load.record(status, time.perf_counter() - started)


def run_writers(base_url: str, *, clients: int = 12, seconds: float = 20.0) -> WriteLoad:
    """Run ``clients`` writers for ``seconds`` against ``base_url``; return what they did."""
    tokens = {name: token_for(base_url, name) for name in WRITERS[:clients]}
    load = WriteLoad(clients=clients)
    started = time.monotonic()
    stop = started + seconds
    threads = [
        threading.Thread(
            target=_writer,
            args=(base_url, tokens[WRITERS[number % len(WRITERS)]], number, load, stop),
        )
        for number in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.monotonic() - started
    return load


def measure(database_url: str, *, clients: int, seconds: float, items: int = 1_000):
    """Serve ``database_url`` and run the writers against it; return the load and its losses."""
    with served(database_url, items=items) as base_url:
        load = run_writers(base_url, clients=clients, seconds=seconds)
        return load, load.lost(base_url)

"""The servers lesson 09 measures: bad input gets a 4xx, each serves its endpoint, the
sync one is held to its threads, and a server nobody stops stops itself."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from ninja.testing import TestClient

from demo_project.lab import serving, slow_api


def test_serve_refuses_a_kind_it_does_not_know():
    with pytest.raises(ValueError, match="wsgi"), serving.serve("gunicorn"):
        pass


def test_load_refuses_more_clients_than_requests():
    with pytest.raises(ValueError, match="concurrency"):
        serving.load("http://127.0.0.1:9/", concurrency=5, requests=2)


def test_the_slow_endpoints_answer_bad_input_with_a_4xx():
    client = TestClient(slow_api.api)
    assert client.get("/sync?wait_ms=5000").status_code == 422
    assert client.get("/sync?wait_ms=-1").status_code == 422
    assert client.get("/sync?wait_ms=ten").status_code == 422
    assert client.get("/sync?wait_ms=0").json() == {"waited_ms": 0}


def test_each_server_serves_its_endpoint_and_the_sync_one_is_held_to_its_threads():
    with serving.serve("wsgi", "asgi", threads=2) as urls:
        for kind, view in (("wsgi", "sync"), ("asgi", "async")):
            with urllib.request.urlopen(f"{urls[kind]}/{view}?wait_ms=0") as answer:
                assert json.load(answer) == {"waited_ms": 0}, kind
        sync = serving.load(f"{urls['wsgi']}/sync?wait_ms=250", concurrency=8, requests=8)
        wait = serving.load(f"{urls['asgi']}/async?wait_ms=250", concurrency=8, requests=8)
    assert sync.ok == wait.ok == 8
    assert min(sync.latencies + wait.latencies) >= 0.25
    # 8 requests at once on 2 threads: the first two are answered after one wait, the last
    # two after four; with a thread each, all would be answered after about one.
    assert max(sync.latencies) - min(sync.latencies) >= 2 * 0.25


def test_a_server_nobody_stops_stops_itself_after_its_lifetime(tmp_path):
    env = dict(os.environ)
    command = [sys.executable, "-m", "demo_project.lab.serving", "asgi", "--lifetime", "1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip().isdigit(), "the server prints its port"
        assert process.wait(timeout=60) == 0
    finally:
        serving.stop(process)
        process.stdout.close()

"""Serving the demo project: its keys, its deployment check, and a real runserver attacked.

These tests start ``manage.py`` in subprocesses with an environment of their own, as the
README tells a newcomer and an operator to.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from demo_project.accounts.tests.bad_tokens import OLD_LITERAL_KEY
from demo_project.catalog.generator import DEMO_PASSWORD
from demo_project.settings import local_secret

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY", "WORKBOOK_EPHEMERAL_KEYS", "DJANGO_DEBUG")
# Each server keeps its own cache (the throttle's counts) and runs tasks in its process,
# whatever services the test run itself uses.
LEFT_OUT = (*KEYS, "CACHE_URL", "CELERY_BROKER_URL")
# The production environment of the README's "Serving it for real".
PRODUCTION = {
    "DJANGO_SECRET_KEY": "k" * 10 + "0123456789abcdefghijklmnopqrstuvwxyz-_ABCDEFGHIJ",
    "JWT_SIGNING_KEY": "j" * 10 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "DJANGO_HTTPS": "1",
}


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``manage.py args`` with the test's environment minus keys and services, plus ``env``."""
    base = {name: value for name, value in os.environ.items() if name not in LEFT_OUT}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# Keys


def test_the_server_refuses_to_start_without_a_secret_key():
    result = manage("check", env={})

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr
    assert "DJANGO_DEBUG=1" in result.stderr


def test_the_server_refuses_to_start_without_a_jwt_signing_key():
    result = manage("check", env={"DJANGO_SECRET_KEY": PRODUCTION["DJANGO_SECRET_KEY"]})

    assert result.returncode != 0
    assert "ImproperlyConfigured: JWT_SIGNING_KEY is not set" in result.stderr


def test_the_production_environment_passes_the_deployment_check():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_check_flags_a_jwt_key_shared_with_the_secret_key():
    env = PRODUCTION | {"JWT_SIGNING_KEY": PRODUCTION["DJANGO_SECRET_KEY"]}

    result = manage("check", "--deploy", env=env)

    assert "accounts.W001" in result.stderr + result.stdout


def test_a_local_key_is_made_once_and_kept(tmp_path):
    path = tmp_path / "var" / "django-secret-key"

    first = local_secret(path)

    assert len(first) >= 50
    assert local_secret(path) == first
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["django-secret-key"]


# A real server, started as the README says


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> dict[str, str]:
    """A seeded SQLite file, made the README's way (migrate, seed_catalog)."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('served') / 'db.sqlite3'}"}
    # Django's testing docs: a fast hasher, so that a dozen logins take milliseconds.
    env["DJANGO_FAST_PASSWORD_HASHER"] = "1"
    env["WORKBOOK_EPHEMERAL_KEYS"] = "1"
    for command in (["migrate", "-v", "0"], ["seed_catalog", "--items", "20"]):
        result = manage(*command, env=env)
        assert result.returncode == 0, result.stderr
    return {"DATABASE_URL": env["DATABASE_URL"], "DJANGO_FAST_PASSWORD_HASHER": "1"}


@pytest.fixture(scope="module", params=["DEBUG on", "DEBUG off"])
def server(request, database):
    """``manage.py runserver`` on a free loopback port: with DJANGO_DEBUG=1, or with keys."""
    port = free_port()
    env = os.environ | database | {"DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    env = {name: value for name, value in env.items() if name not in LEFT_OUT}
    # A cache of the server's own: the default file cache is shared by every server of the
    # checkout, and the token throttle's counts from another run would answer 429 here.
    env["CACHE_URL"] = "locmem://"
    if request.param == "DEBUG on":
        env["DJANGO_DEBUG"] = "1"
        env["DJANGO_SECRET_KEY"] = PRODUCTION["DJANGO_SECRET_KEY"]  # no key file written
        env["JWT_SIGNING_KEY"] = PRODUCTION["JWT_SIGNING_KEY"]
    else:
        env |= {name: PRODUCTION[name] for name in ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY")}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"runserver did not start: {process.stderr.read()}")
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=10)


def send(port: int, method: str, path: str, body: bytes | str | None = None, **headers):
    """Send one request; return the status, the headers and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), content


def attacks(port: int) -> dict[str, tuple]:
    """Each request of the attack on the served API, with its answer."""
    json_type = {"Content-Type": "application/json"}
    _, _, body = send(
        port,
        "POST",
        "/api/v1/auth/token",
        json.dumps({"username": "alice", "password": DEMO_PASSWORD}),
        **json_type,
    )
    token = json.loads(body)["access_token"]
    bearer = {"Authorization": f"Bearer {token}"} | json_type
    forged = jwt.encode({"sub": "1", "exp": 2**31}, OLD_LITERAL_KEY, algorithm="HS256")
    huge_sub = jwt.encode({"sub": "9" * 5000, "exp": 2**31}, "any-key-of-32-bytes-or-more-0123456")
    item = json.dumps({"name": "Lamp", "price": "5.00", "category_id": 1})
    answers = {
        "token signed with the old literal key": send(
            port, "POST", "/api/v1/items/", item, Authorization=f"Bearer {forged}", **json_type
        ),
        "sub of 5,000 digits": send(
            port, "POST", "/api/v1/items/", item, Authorization=f"Bearer {huge_sub}", **json_type
        ),
        "POST without the trailing slash": send(port, "POST", "/api/v1/items", item, **bearer),
        "unknown path": send(port, "GET", "/api/v1/nothing-here/"),
        "10 MB body": send(port, "POST", "/api/v1/items/", "x" * 10_000_000, **bearer),
        "JSON as text/plain": send(
            port, "POST", "/api/v1/items/", item, **bearer | {"Content-Type": "text/plain"}
        ),
        "PATCH with []": send(port, "PATCH", "/api/v1/items/1", "[]", **bearer),
        "min_price > max_price": send(port, "GET", "/api/v1/items/?min_price=100&max_price=10"),
        "DELETE on a list": send(port, "DELETE", "/api/v1/tags/"),
        "a host not served": send(port, "GET", "/api/v1/tags/", Host="evil.example.com"),
    }
    wrong = json.dumps({"username": "alice", "password": "guess"})
    for _ in range(11):  # the default rate is 10 a minute, and one try was made above
        answers["brute force"] = send(port, "POST", "/api/v1/auth/token", wrong, **json_type)
    return answers


def test_every_attack_on_the_served_api_gets_a_4xx_in_the_error_body(server):
    answers = attacks(server)

    for name, (status, headers, content) in answers.items():
        assert 400 <= status < 500, (name, status, content[:300])
        assert headers["Content-Type"].startswith("application/json"), (name, headers)
        error = json.loads(content)["error"]
        assert error["status"] == status, (name, error)
    statuses = {name: status for name, (status, _, _) in answers.items()}
    assert statuses == {
        "token signed with the old literal key": 401,
        "sub of 5,000 digits": 401,
        "POST without the trailing slash": 404,
        "unknown path": 404,
        "10 MB body": 413,
        "JSON as text/plain": 415,
        "PATCH with []": 422,
        "min_price > max_price": 422,
        "DELETE on a list": 405,
        "a host not served": 400,
        "brute force": 429,
    }
    assert "Retry-After" in answers["brute force"][1]
    assert answers["sub of 5,000 digits"][1]["WWW-Authenticate"].startswith("Bearer")


def test_head_on_the_served_api_answers_like_get_without_a_body(server):
    get_status, get_headers, _ = send(server, "GET", "/api/v1/tags/")
    head_status, head_headers, content = send(server, "HEAD", "/api/v1/tags/")

    assert (head_status, content) == (get_status, b"")
    assert head_headers["Content-Type"] == get_headers["Content-Type"]

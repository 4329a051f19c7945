"""The hub's configuration (deploy/jupyterhub/jupyterhub_config.py), loaded as JupyterHub
loads it: no learner's name can reach an account of the server's own."""

import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets.config import Config

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "jupyterhub" / "jupyterhub_config.py"


def load(monkeypatch, tmp_path, **settings) -> tuple[Config, dict]:
    monkeypatch.setenv("WORKBOOK_HUB_HOMES", str(tmp_path / "homes"))
    monkeypatch.setenv("WORKBOOK_HUB_DATA", str(tmp_path / "data"))
    for name, value in settings.items():
        monkeypatch.setenv(f"WORKBOOK_HUB_{name.upper()}", value)
    config = Config()
    return config, runpy.run_path(str(CONFIG), init_globals={"get_config": lambda: config})


def spawner_for(name: str, home: Path | None = None) -> SimpleNamespace:
    return SimpleNamespace(user=SimpleNamespace(name=name), home_dir=str(home))


def test_a_system_account_is_never_a_learner(monkeypatch, tmp_path):
    config, namespace = load(monkeypatch, tmp_path, spawner="system")
    assert config.Spawner.pre_spawn_hook is namespace["ensure_system_user"]
    with pytest.raises(PermissionError, match="root is an account of this server"):
        namespace["ensure_system_user"](spawner_for("root"))
    assert "root" in config.Authenticator.blocked_users


@pytest.mark.parametrize("name", ["Root", "../etc", "ada lovelace", "-rf", "a" * 40, "é"])
def test_a_name_that_is_no_safe_folder_is_refused(monkeypatch, tmp_path, name):
    config, _ = load(monkeypatch, tmp_path)
    pattern = re.compile(config.Authenticator.username_pattern)
    assert pattern.match("ada") and pattern.match("grace-h_2")
    assert not pattern.match(name)


def test_kernels_import_the_learners_own_copy(monkeypatch, tmp_path):
    config, namespace = load(monkeypatch, tmp_path, spawner="simple")
    home = tmp_path / "homes" / "ada"
    pythonpath = config.Spawner.environment["PYTHONPATH"](spawner_for("ada", home))
    assert pythonpath == str(home / namespace["WORKBOOK"])
    assert config.SimpleLocalProcessSpawner.home_dir_template == f"{tmp_path}/homes/{{username}}"


def test_an_unknown_spawner_kind_is_an_error(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="not 'docker'"):
        load(monkeypatch, tmp_path, spawner="docker")


SETUP = CONFIG.with_name("setup-server.sh")


@pytest.fixture
def server(tmp_path):
    """A clone as setup-server.sh sees one, where every user can read it, and its tools:
    apt-get and make do nothing, git's system configuration is a file of the test's."""
    if Path("/run/systemd/system").is_dir():
        pytest.skip("systemd runs here: the script would start the unit for real")
    root = Path(tempfile.mkdtemp(prefix="workbook-setup-"))
    root.chmod(0o755)
    hub = root / "deploy" / "jupyterhub"
    hub.mkdir(parents=True)
    for name in ("setup-server.sh", "workbook-hub.service", "link.py"):
        shutil.copy2(CONFIG.with_name(name), hub / name)
    (hub / "publish-learners.sh").write_text("#!/bin/sh\necho published\n")
    (root / ".venv" / "bin").mkdir(parents=True)
    # The venv's python, where the script's check that every user can run it looks.
    python = root / ".venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    module = root / ".venv" / "lib" / "site-packages" / "module.py"
    module.parent.mkdir(parents=True)
    module.write_text("VALUE = 1\n")
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("apt-get", "make"):
        (tools / tool).write_text("#!/bin/sh\nexit 0\n")
    for path in [*tools.iterdir(), hub / "publish-learners.sh", python]:
        path.chmod(0o755)
    env = {
        "PATH": f"{tools}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "GIT_CONFIG_SYSTEM": str(tmp_path / "gitconfig"),
        "ENV_FILE": str(tmp_path / "workbook-hub.env"),
        "UNIT": str(tmp_path / "workbook-hub.service"),
        "LEARNERS_REPO": str(tmp_path / "learners.git"),
    }
    yield root, env, tmp_path
    shutil.rmtree(root)


def setup_server(root: Path, env: dict, **extra) -> str:
    command = [root / "deploy" / "jupyterhub" / "setup-server.sh"]
    done = subprocess.run(command, env=env | extra, capture_output=True, text=True, check=True)
    return done.stdout


def test_setup_writes_the_port_asked_for_then_keeps_its_settings(server):
    root, env, tmp_path = server
    setup_server(root, env, WORKBOOK_HUB_PORT="8100")
    settings = Path(env["ENV_FILE"])
    first = settings.read_bytes()
    assert "WORKBOOK_HUB_PORT=8100\n" in first.decode()
    assert settings.stat().st_mode & 0o777 == 0o600
    # Run again: the passwords and the port stay; the learners' repository is safe once.
    shown = setup_server(root, env, WORKBOOK_HUB_PORT="9000")
    assert "kept as it is" in shown
    assert settings.read_bytes() == first
    safe = (tmp_path / "gitconfig").read_text()
    assert safe.count(f"directory = {env['LEARNERS_REPO']}") == 1


def test_setup_compiles_the_venv_for_learners_who_cannot_write_it(server):
    root, env, _ = server
    setup_server(root, env)
    cache = root / ".venv" / "lib" / "site-packages" / "__pycache__"
    assert [path.name.split(".")[0] for path in cache.glob("*.pyc")] == ["module"]

"""The hub's configuration (deploy/jupyterhub/jupyterhub_config.py), loaded as JupyterHub
loads it: no learner's name can reach an account of the server's own."""

import re
import runpy
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

"""The hub that `make bench-class` starts: the course's config, with a bench's overrides.

The course's jupyterhub_config.py (beside this file) is loaded first when it is there; then
this file makes the hub a throwaway one: loopback ports, learners without passwords, homes
under one folder, and a service token that may create learners and reach their servers.
Everything comes from environment variables that demo_project/tools/bench_class.py sets.
"""

import os
from pathlib import Path

here = Path(__file__).resolve().parent
c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)
if (here / "jupyterhub_config.py").exists():
    load_subconfig(str(here / "jupyterhub_config.py"))  # noqa: F821

state = Path(os.environ["BENCH_HUB_STATE"])
port = int(os.environ["BENCH_HUB_PORT"])

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 2}"
c.ConfigurableHTTPProxy.command = [os.environ["BENCH_PROXY_COMMAND"]]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True

# Learners are the hub's own processes, each in a home of its own; no system accounts.
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "homes" / "{username}")
c.Spawner.cmd = [os.environ["BENCH_SINGLEUSER"]]
c.Spawner.default_url = "/lab"
c.Spawner.args = ["--allow-root"] if os.getuid() == 0 else []
# Answer a spawn request at once, so a class's servers start together.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
c.Spawner.start_timeout = 600
c.Spawner.http_timeout = 600
c.Spawner.environment = {
    name: os.environ[name] for name in ("IPYTHONDIR", "MPLBACKEND", "PATH") if name in os.environ
}
# A class spawns at once: the default limit on pending spawns would refuse some of it.
c.JupyterHub.concurrent_spawn_limit = 0
c.JupyterHub.active_server_limit = 0
# The bench's service replaces the course's services: an idle culler must not end a learner
# in the middle of a run.
c.JupyterHub.services = [{"name": "bench", "api_token": os.environ["BENCH_HUB_TOKEN"]}]
c.JupyterHub.load_roles = [
    {
        "name": "bench",
        "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"],
        "services": ["bench"],
    }
]

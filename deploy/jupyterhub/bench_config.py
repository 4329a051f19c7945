"""The hub that `make bench-class` starts: the course's configuration, loaded as it is, then
made fit for a whole class starting at one moment.

demo_project/tools/bench_class.py runs it with the course's own variables set: the simple
spawner (one server process per learner, homes under the bench's folder), loopback ports
28000 to 28002, an admin token, and an idle timeout longer than any run.
"""

from pathlib import Path

c = get_config()  # noqa: F821  (JupyterHub provides it to configuration files)
load_subconfig(str(Path(__file__).resolve().with_name("jupyterhub_config.py")))  # noqa: F821

# A class presses "start" together: answer each spawn request at once (the hub then reports
# the server as pending), and put no cap on spawns in progress or servers running.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
c.JupyterHub.concurrent_spawn_limit = 0
c.JupyterHub.active_server_limit = 0
# Thirty servers importing JupyterLab at once on two cores take minutes, not a failure.
c.Spawner.start_timeout = 600
c.Spawner.http_timeout = 600

# JupyterHub for a class on one server (docs/jupyterhub.md): each learner logs in with the
# class password, gets a home of their own under WORKBOOK_HUB_HOMES and a Jupyter server
# of their own, and an nbgitpuller link puts the workbook into that home.
#
# Run from the server's venv:  jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
# Everything a server or a test changes comes from these environment variables:
#   WORKBOOK_HUB_PASSWORD        the learners' shared password (8 characters or more)
#   WORKBOOK_HUB_ADMINS          instructors' user names, comma-separated (optional) ...
#   WORKBOOK_HUB_ADMIN_PASSWORD  ... and their password (32 characters or more)
#   WORKBOOK_HUB_LEARNERS        the class list, comma-separated; unset, any name may log in
#   WORKBOOK_HUB_IP, _PORT       where the hub answers (127.0.0.1:8000; a proxy or TLS in front)
#   WORKBOOK_HUB_HOMES           the folder holding one home per learner (/home)
#   WORKBOOK_HUB_SPAWNER         "system": a system user per learner, created at first start
#                                (the hub runs as root); "simple": the hub's own user, one
#                                home folder and one server process per learner (tests, bench)
#   WORKBOOK_HUB_DATA            the hub's state: its database, cookie secret, proxy pid
#   WORKBOOK_HUB_API_TOKEN       a token for the "class-admin" service: the REST API as admin
#   WORKBOOK_HUB_CULL_AFTER      seconds idle before a kernel or a server is stopped (3600)
import os
import pwd
import runpy
import subprocess
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (JupyterHub provides it to configuration files)

HERE = Path(__file__).resolve().parent
env = os.environ.get
IP = env("WORKBOOK_HUB_IP", "127.0.0.1")
PORT = int(env("WORKBOOK_HUB_PORT", "8000"))
HOMES = Path(env("WORKBOOK_HUB_HOMES", "/home")).resolve()
SPAWNER = env("WORKBOOK_HUB_SPAWNER", "system")
DATA = Path(env("WORKBOOK_HUB_DATA", "/var/lib/workbook-hub")).resolve()
CULL_AFTER = int(env("WORKBOOK_HUB_CULL_AFTER", "3600"))
# The folder the nbgitpuller link clones into, in each home.
WORKBOOK = runpy.run_path(str(HERE / "link.py"))["WORKBOOK"]

# The hub answers on IP:PORT; the proxy's API and the hub itself on the next two ports.
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{PORT + 2}"
proxy = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
if proxy.exists():
    c.ConfigurableHTTPProxy.command = [str(proxy)]

DATA.mkdir(parents=True, exist_ok=True, mode=0o700)
c.JupyterHub.db_url = f"sqlite:///{DATA / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(DATA / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(DATA / "jupyterhub-proxy.pid")

# One password for the class, another for the instructors; names become home folders.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = env("WORKBOOK_HUB_PASSWORD")
c.SharedPasswordAuthenticator.admin_password = env("WORKBOOK_HUB_ADMIN_PASSWORD") or None


def names(variable: str) -> set[str]:
    """The user names a comma-separated environment variable lists."""
    return {name.strip() for name in env(variable, "").split(",") if name.strip()}


c.Authenticator.admin_users = names("WORKBOOK_HUB_ADMINS")
learners = names("WORKBOOK_HUB_LEARNERS")
c.Authenticator.allowed_users = learners
c.Authenticator.allow_all = not learners
# A name is a folder and, with the system spawner, a system user: lower-case letters,
# digits, "-" and "_" only, and never an account of the server's own.
c.Authenticator.username_pattern = r"^[a-z][a-z0-9_-]{0,30}$"
c.Authenticator.blocked_users = {"root"}


def learner_home(spawner) -> Path:
    """The home of the learner ``spawner`` starts a server for."""
    if SPAWNER == "simple":
        return Path(spawner.home_dir)
    return Path(pwd.getpwnam(spawner.user.name).pw_dir)


def ensure_system_user(spawner) -> None:
    """Create the learner's system user with a home under HOMES; refuse any other account."""
    name = spawner.user.name
    try:
        home = Path(pwd.getpwnam(name).pw_dir).resolve()
    except KeyError:
        HOMES.mkdir(parents=True, exist_ok=True)
        command = ["useradd", "--create-home", "--home-dir", str(HOMES / name)]
        subprocess.run([*command, "--shell", "/usr/sbin/nologin", "--user-group", name], check=True)
        (HOMES / name).chmod(0o700)
        return
    if home.parent != HOMES:
        raise PermissionError(f"{name} is an account of this server (home {home}), not a learner's")


if SPAWNER == "simple":
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = f"{HOMES}/{{username}}"
    # A CI machine or a container runs everything as root.
    c.Spawner.args = ["--allow-root"] if os.getuid() == 0 else []
elif SPAWNER == "system":
    c.JupyterHub.spawner_class = "localprocess"
    c.Spawner.args = []
    c.Spawner.pre_spawn_hook = ensure_system_user
else:
    raise ValueError(f'WORKBOOK_HUB_SPAWNER is "system" or "simple", not {SPAWNER!r}')

# Every learner's server runs from this venv (the lessons' requirements, without the
# workbook itself): the kernels import demo_project from the learner's own copy.
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "PYTHONPATH": lambda spawner: str(learner_home(spawner) / WORKBOOK),
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
# Starting a server imports JupyterLab; on a busy small server that takes a while.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Kernels idle for CULL_AFTER are shut down by each learner's server ...
c.Spawner.args += [
    f"--MappingKernelManager.cull_idle_timeout={CULL_AFTER}",
    f"--MappingKernelManager.cull_interval={max(CULL_AFTER // 6, 10)}",
]
# ... and servers idle as long by jupyterhub-idle-culler, a service of the hub.
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={CULL_AFTER}",
            f"--cull-every={max(CULL_AFTER // 6, 10)}",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
# A script's way in (make bench-class, an instructor's tooling): the REST API as admin.
API_TOKEN = env("WORKBOOK_HUB_API_TOKEN")
if API_TOKEN:
    c.JupyterHub.services.append({"name": "class-admin", "api_token": API_TOKEN})
    c.JupyterHub.load_roles.append(
        {
            "name": "class-admin",
            "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"],
            "services": ["class-admin"],
        }
    )

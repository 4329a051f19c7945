"""Step 3, run: execute one assembled notebook in a bubblewrap sandbox.

The runner (runner.py) and the kernel it starts run together inside ``bwrap``:

- the whole file system read-only (the project included), with a private ``/tmp`` and
  the submissions' folders, ``solutions/`` and the report's folder hidden under empty ones;
- one writable folder, ``/tmp/submission``, holding this submission's notebook alone;
- the run's migrated database template (template.py), read-only, for ``boot()`` to copy;
- a clean environment, no network (``--unshare-all``: not even loopback), its own PID
  namespace (``/proc`` shows the sandbox's processes only);
- an unprivileged user of its own when the grader runs as root (a user id no account has,
  drawn per sandbox: its process limit and its signals reach no other sandbox);
- limits on memory, CPU time, processes, file size (prlimit), and a wall-clock limit after
  which the sandbox is killed; ``--die-with-parent`` and the PID namespace take every
  process it started down with it.

The grader reads the executed notebook after the sandbox has exited.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

INSTALL_HINT = (
    "bubblewrap (bwrap) is not installed, and submissions run unsandboxed without it.\n"
    "Install it (Debian, Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
    "bubblewrap), or pass --trusted if every submission is trusted code."
)
LIMITS = {
    "--as": 4 * 1024**3,  # bytes of address space per process
    "--nproc": 512,  # processes and threads of the sandbox's user
    "--fsize": 64 * 1024**2,  # bytes per file written
    "--core": 0,
}
INSIDE = Path("/tmp/submission")
TEMPLATE_INSIDE = Path("/tmp/template.sqlite3")
ROOT = Path(__file__).resolve().parents[3]
HOME_OF_ROOT = Path("/root")
SANDBOX_UIDS = (1_500_000, 2_500_000)  # ids no account on the machine has
# The times of the environment's package folders when their bytecode was last compiled.
BYTECODE_STAMP = Path(sys.prefix) / ".workbook-bytecode"


def bwrap() -> str | None:
    return shutil.which("bwrap")


def environment(home: Path, template: Path | None = None) -> dict[str, str]:
    """The kernel's whole environment: none of the grader's variables."""
    return {
        **({"WORKBOOK_DATABASE_TEMPLATE": str(template)} if template else {}),
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "JUPYTER_RUNTIME_DIR": str(home / ".jupyter-runtime"),
        "IPYTHONDIR": str(home / ".ipython"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(ROOT),  # this checkout, whatever the environment has installed
    }


def compile_bytecode(folders: list[Path]) -> bool:
    """Compile the modules of ``folders`` whose bytecode is missing or stale.

    A kernel cannot write bytecode (its file system is read-only, PYTHONDONTWRITEBYTECODE is
    set), so every module without it is compiled from source in every kernel, which was half
    of a kernel's CPU. False if some file could not be compiled.
    """
    done = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-q", *map(str, folders)],
        stdin=subprocess.DEVNULL, capture_output=True, check=False,
    )  # fmt: skip
    return done.returncode == 0


def compile_environment() -> bool:
    """The project, and the packages: the first time a minute or two, then after an install.

    An install or an upgrade adds folders to site-packages, which changes its time; until
    then the stamp (in the environment, out of every sandbox's reach) says nothing changed.
    """
    packages = sorted({Path(sysconfig.get_path(name)) for name in ("purelib", "platlib")})
    seen = " ".join(f"{folder}:{folder.stat().st_mtime_ns}" for folder in packages)
    with contextlib.suppress(OSError):
        if BYTECODE_STAMP.read_text() == seen:
            packages = []
    compiled = compile_bytecode([*packages, ROOT / "demo_project"])
    if packages:  # a file that would not compile will not compile next time either
        with contextlib.suppress(OSError):
            BYTECODE_STAMP.write_text(seen)
    return compiled


def database_template(folder: Path) -> Path | None:
    """Migrate a database once into ``folder``; None if that fails (each kernel migrates)."""
    target = folder / "template.sqlite3"
    script = str(Path(__file__).with_name("template.py"))
    done = subprocess.run(
        [sys.executable, "-P", script, str(target)], env=environment(folder), cwd=folder,
        stdin=subprocess.DEVNULL, capture_output=True, check=False,
    )  # fmt: skip
    return target if done.returncode == 0 else None


def command(
    inner: list[str],
    folder: Path,
    *,
    hidden: list[Path],
    cpu_seconds: int,
    uid: int | None,
    template: Path | None = None,
) -> list[str]:
    """The bwrap command that runs ``inner`` with ``folder`` as its only writable place.

    As root, bwrap mounts as root and ``setpriv`` then drops to ``uid`` inside; otherwise
    bwrap runs as the grader's user in a user namespace of its own.
    """
    limits = [f"{name}={value}" for name, value in {**LIMITS, "--cpu": cpu_seconds}.items()]
    sandbox = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    # Private, empty: the temporary folders and root's home, but for what the kernel runs
    # from (a project or a Python cloned under /tmp stays visible there, read-only).
    private = [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]
    private += [HOME_OF_ROOT] if HOME_OF_ROOT.is_dir() else []
    for place in private:
        sandbox += ["--tmpfs", str(place)]
    for path in sorted({Path(sys.base_prefix), Path(sys.prefix), ROOT}):
        place = next((place for place in private if path.is_relative_to(place)), None)
        if place is not None:
            for parent in reversed(path.parents[: -len(place.parts)]):
                sandbox += ["--perms", "0755", "--dir", str(parent)]
            sandbox += ["--ro-bind", str(path), str(path)]
    for path in hidden:
        if path.is_dir():
            sandbox += ["--tmpfs", str(path)]
    sandbox += ["--bind", str(folder), str(INSIDE), "--chdir", str(INSIDE)]
    if template:
        sandbox += ["--ro-bind", str(template), str(TEMPLATE_INSIDE)]
    sandbox += ["--die-with-parent", "--new-session", "--clearenv"]
    for name, value in environment(INSIDE, template and TEMPLATE_INSIDE).items():
        sandbox += ["--setenv", name, value]
    if uid is None:
        return ["prlimit", *limits, "--", *sandbox, "--unshare-all", "--", *inner]
    sandbox += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs"]
    return ["prlimit", *limits, "--", *sandbox, "--unshare-cgroup-try", "--", *drop, *inner]


def run(
    notebook_json: str,
    *,
    cell_timeout: float,
    timeout: float,
    hidden: list[Path],
    sandboxed: bool = True,
    template: Path | None = None,
) -> tuple[str | None, str]:
    """Execute a notebook; return the executed notebook's JSON (None if none) and a note.

    ``template``: a database from database_template() for the kernel's ``boot()`` to copy.
    """
    with tempfile.TemporaryDirectory(prefix="grading-") as folder:
        folder = Path(folder)
        (folder / "run.ipynb").write_text(notebook_json, encoding="utf-8")
        inside = INSIDE if sandboxed else folder
        inner = [sys.executable, "-P", str(Path(__file__).with_name("runner.py"))]
        inner += [str(inside / "run.ipynb"), str(inside / "executed.ipynb")]
        inner += ["--cell-timeout", f"{cell_timeout:g}", "--timeout", f"{timeout:g}"]
        if sandboxed:
            uid = None
            if os.geteuid() == 0:
                uid = secrets.choice(range(*SANDBOX_UIDS))
                os.chown(folder, uid, uid)
            cpu = int(timeout) + 30
            args = command(
                inner, folder, hidden=hidden, cpu_seconds=cpu, uid=uid, template=template
            )
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            args, env = inner, environment(folder, template)
        with subprocess.Popen(
            args, cwd=folder, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        ) as process:  # fmt: skip
            try:
                _, stderr = process.communicate(timeout=timeout + 30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.communicate()
                return None, f"killed at the notebook's time limit of {timeout:g} s"
        executed = folder / "executed.ipynb"
        if executed.is_symlink() or not executed.is_file():
            why = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            return None, f"the run ended without a result (exit {process.returncode}: {why[0]})"
        return executed.read_text(encoding="utf-8", errors="replace"), ""

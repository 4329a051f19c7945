"""Step 3b, inside the sandbox: execute one assembled notebook, write the executed copy.

    python demo_project/tools/grading/runner.py run.ipynb executed.ipynb --timeout 240 \
        --cell-timeout 60

The grader starts this in the sandbox (sandbox.py) and reads ``executed.ipynb`` after the
sandbox has exited. The kernel talks to it over Unix sockets (the sandbox has no network,
not even loopback), its outputs are capped, and how the run ended goes into the executed
notebook's metadata (``grading.ending``).

It starts once per submission, so it imports little: it runs as a script (not ``-m``, which
would import the grader's package first), and without ``rfc3987_syntax``, which jsonschema
(imported by nbformat) would otherwise use to build IRI grammars at import time, about 1.5 s
of CPU each run for a format that notebook validation never checks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.modules.setdefault("rfc3987_syntax", None)  # an import of it now fails: see above

MAX_OUTPUT_BYTES = 2_000_000  # per notebook; errors and verdict records always pass
VERDICT_MIME = "application/vnd.workbook.verdict+json"


def client_for(nb, *, cell_timeout: float, folder: str):
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """nbclient's client, keeping at most MAX_OUTPUT_BYTES of a kernel's outputs."""

        written = 0

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            kept = msg["header"]["msg_type"] == "error" or VERDICT_MIME in content.get("data", {})
            if not kept:
                self.written += len(json.dumps(content))
                if self.written > MAX_OUTPUT_BYTES:
                    return None
            return super().output(outs, msg, display_id, cell_index)

    manager = AsyncKernelManager(
        kernel_name="python3", transport="ipc", ip=str(Path(tempfile.mkdtemp()) / "kernel")
    )
    return CappedClient(
        nb,
        km=manager,
        extra_arguments=["--HistoryManager.enabled=False"],  # no history file to set up
        timeout=cell_timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={
            "ename": "CellTimeoutError",
            "evalue": f"the cell ran over its time limit of {cell_timeout:g} s",
            "traceback": [],
        },
        shutdown_kernel="immediate",
        record_timing=False,
        resources={"metadata": {"path": folder}},
        on_cell_executed=record_reply,
    )


def record_reply(cell, cell_index, execute_reply):
    """Keep how the cell ended (a time limit leaves only a KeyboardInterrupt in its outputs)."""
    content = (execute_reply or {}).get("content", {})
    keys = ("status", "ename", "evalue")
    cell.metadata["execute_reply"] = {key: str(content.get(key, "")) for key in keys}


def execute(nb, *, cell_timeout: float, timeout: float, folder: str) -> str:
    """Run every cell; return how the run ended ("" when it ran to the end)."""
    from nbclient.exceptions import DeadKernelError

    client = client_for(nb, cell_timeout=cell_timeout, folder=folder)

    async def go():
        # The kernel's own output streams are noise here; its cells' outputs are kept.
        run = client.async_execute(cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await asyncio.wait_for(run, timeout)

    try:
        asyncio.run(go())
    except TimeoutError:
        return f"stopped at the notebook's time limit of {timeout:g} s"
    except DeadKernelError:
        return "the kernel died"
    except Exception as error:  # nbclient's own failures end this run, not the grading
        return f"the run stopped: {type(error).__name__}: {error}"
    if client.written > MAX_OUTPUT_BYTES:
        return f"outputs cut at {MAX_OUTPUT_BYTES:,} bytes"
    return ""


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("executed", type=Path)
    parser.add_argument("--cell-timeout", type=float, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    args = parser.parse_args(argv)
    nb = nbformat.read(args.notebook, as_version=4)
    folder = str(args.notebook.parent)
    ending = execute(nb, cell_timeout=args.cell_timeout, timeout=args.timeout, folder=folder)
    nb.metadata["grading"] = {"ending": ending}
    nbformat.write(nb, args.executed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

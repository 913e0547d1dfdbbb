"""Fixtures for the kernel tests: a real `convlab` kernel, started from the installed kernelspec."""
import os
import shutil
import sys
import tempfile
import time

import pytest
from jupyter_client.manager import start_new_kernel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def isolate_jupyter_paths():
    """Use only the project's .venv for kernelspecs (what `npm start` installs), never the user's."""
    assert sys.prefix == os.path.join(ROOT, ".venv"), f"run the tests with the project's .venv, not {sys.prefix}"
    if "CONVLAB_ISOLATED" not in os.environ:
        os.environ["JUPYTER_DATA_DIR"] = tempfile.mkdtemp(prefix="convlab-jupyter-data-")
        os.environ["JUPYTER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="convlab-jupyter-config-")
        os.environ["CONVLAB_ISOLATED"] = "1"


@pytest.fixture(scope="session", autouse=True)
def project_jupyter_paths():
    # Every scratch folder of the session (kernels' working folders, Jupyter's data and runtime folders) lies
    # in one folder that is removed at the end, so the runs leave nothing in /tmp.
    scratch = tempfile.mkdtemp(prefix="convlab-kernel-tests-")
    tempfile.tempdir = scratch
    isolate_jupyter_paths()
    yield
    tempfile.tempdir = None
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def kernel():
    """A running ConvLab kernel whose working directory is outside the repository, as a user's would be."""
    cwd = tempfile.mkdtemp(prefix="convlab-notebook-")
    manager, client = start_new_kernel(kernel_name="convlab", cwd=cwd, startup_timeout=60)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=False)


def execute(client, code, timeout=60):
    """Runs `code`; returns (reply content, iopub messages of this request other than status)."""
    messages = []
    reply = client.execute_interactive(code, output_hook=messages.append, timeout=timeout)
    return reply["content"], [m for m in messages if m["msg_type"] != "status"]


def iopub_of(client, msg_id, timeout=60):
    """The iopub messages of request `msg_id` up to its idle status (other than status)."""
    messages = []
    deadline = time.monotonic() + timeout
    while True:
        msg = client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages
        if msg["msg_type"] != "status":
            messages.append(msg)


def send_comm(client, msg_type, content):
    """Sends a comm message as a frontend does; returns the iopub messages it caused (its busy/idle frame)."""
    msg = client.session.msg(msg_type, content)
    client.shell_channel.send(msg)
    return iopub_of(client, msg["header"]["msg_id"])

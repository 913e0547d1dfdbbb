"""Fixtures for the kernel tests: a real `convlab` kernel, started from the installed kernelspec."""
import os
import shutil
import sys
import tempfile

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

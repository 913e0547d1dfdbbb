"""The kernelspec's launcher (kernel/python/kernelspec/launch.py): Node.js 20+ or a readable error in the notebook.

Where Node.js is missing or too old, a user must see, in the cell, what to install — not a kernel that dies
without a word. These tests start the launcher as Jupyter does (a kernelspec, jupyter_client, nbclient) with
no Node.js on PATH, and with a Node.js that reports version 18.
"""
import doctest
import importlib.util
import json
import os
import stat
import sys

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import ROOT

LAUNCH = os.path.join(ROOT, "kernel", "python", "kernelspec", "launch.py")


def kernelspec(tmp_path, name, env):
    folder = tmp_path / "kernels" / name
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, LAUNCH, "--launcher", os.path.join(ROOT, "kernel", "dist", "launcher.js"), "{connection_file}"],
        "display_name": name, "language": "typescript", "interrupt_mode": "signal", "env": env,
    }))
    return KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])


@pytest.fixture(params=["missing", "too old"])
def no_node(request, tmp_path):
    """A kernelspec whose environment has no usable Node.js, and what the error must say about it."""
    if request.param == "missing":
        empty = tmp_path / "empty-bin"
        empty.mkdir()
        return kernelspec(tmp_path, "no-node", {"PATH": str(empty)}), "no `node` was found on PATH"
    old = tmp_path / "node18"
    old.write_text("#!/bin/sh\necho 18.19.1\n")
    old.chmod(old.stat().st_mode | stat.S_IEXEC)
    return kernelspec(tmp_path, "no-node", {"CONVLAB_NODE": str(old)}), f"the Node.js found at {old} is 18.19.1, older than 20"


def test_every_cell_answers_with_what_to_install(no_node):
    specs, why = no_node
    manager = KernelManager(kernel_name="no-node", kernel_spec_manager=specs)
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        info = client.kernel_info(reply=True, timeout=30)["content"]
        assert info["language_info"]["name"] == "typescript" and "Node.js 20" in info["banner"]
        messages = []
        reply = client.execute_interactive("conv2d", output_hook=messages.append, timeout=30)["content"]
        errors = [m["content"] for m in messages if m["msg_type"] == "error"]
        assert reply["status"] == "error" and len(errors) == 1
        text = "\n".join(errors[0]["traceback"])
        assert why in text
        assert "Install Node.js 20 or newer" in text and "nodejs>=20" in text and "CONVLAB_NODE" in text
        # The kernel survives an interrupt (SIGINT, the kernelspec's mode) and signed messages whose header or
        # content is `null`, answers again, and shuts down when asked.
        manager.interrupt_kernel()
        header = client.session.pack(client.session.msg_header("execute_request"))
        for parts in ([b"null", b"{}", b"{}", b"{}"], [header, b"{}", b"{}", b"null"]):
            client.shell_channel.socket.send_multipart([b"<IDS|MSG>", client.session.sign(parts), *parts])
        again = client.execute_interactive("1", timeout=30)["content"]
        assert again["status"] == "error" and again["execution_count"] == 2
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
    assert not manager.is_alive()


def test_the_notebook_shows_the_error_in_the_cell(no_node, tmp_path):
    specs, why = no_node
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("tensor([1, 2])")])
    manager = KernelManager(kernel_name="no-node", kernel_spec_manager=specs)
    client = NotebookClient(notebook, km=manager, timeout=60)
    try:
        with pytest.raises(CellExecutionError) as raised:
            client.execute()
    finally:
        # nbclient leaves a kernel manager it was handed running; this test started it, so it ends it.
        manager.shutdown_kernel(now=True)
    assert why in str(raised.value) and "Install Node.js 20 or newer" in str(raised.value)
    output = notebook.cells[0].outputs[0]
    assert output.output_type == "error" and output.ename == "NodeNotFound"


def test_its_doc_examples_hold():
    spec = importlib.util.spec_from_file_location("launch", LAUNCH)
    launch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launch)
    result = doctest.testmod(launch)
    assert result.attempted >= 1 and result.failed == 0


def test_with_node_20_or_newer_the_launcher_becomes_the_node_kernel(kernel):
    # The project's kernelspec starts through launch.py too (kernel/scripts/setup.sh): the process serving
    # this kernel is Node itself (exec), so signals and the kernel's own info are Node's.
    reply = kernel.kernel_info(reply=True, timeout=30)["content"]
    assert reply["implementation"] == "convlab" and reply["language_info"]["name"] == "typescript"
    with open(os.path.join(ROOT, ".venv", "share", "jupyter", "kernels", "convlab", "kernel.json")) as f:
        argv = json.load(f)["argv"]
    assert argv[1] == LAUNCH

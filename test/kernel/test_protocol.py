"""The kernel's protocol beyond jupyter_kernel_test's samples: display updates, interrupts (by message and by
signal) that keep variables, comm_info, forged signatures, rich execute_result, iopub errors, the abort rule
after a failed cell, Node types outside the repository, the prelude, nbclient's view of a failing cell, where the
kernel listens, and a clean shutdown."""
import os
import re
import subprocess
import tempfile
import time

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import ROOT, execute, iopub_of

FEATURE_MAP = "application/vnd.convlab.featuremap.v1+json"


def replies_to(client, msg_id, timeout=30):
    """The shell reply to `msg_id`, skipping replies to other requests."""
    deadline = time.monotonic() + timeout
    while True:
        reply = client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply




def wait_busy(client, msg_id, timeout=30):
    """Waits until the kernel has started running `msg_id` (its execute_input arrived)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            return


def test_display_handle_updates_in_place(kernel):
    reply, messages = execute(kernel, 'const h = display("epoch 1", { displayId: "progress" });\nh.update("epoch 2");')
    assert reply["status"] == "ok"
    shown, updated = messages[1:]  # after execute_input
    # A string shows quoted, as IPython's display("epoch 1") does.
    assert shown["msg_type"] == "display_data" and shown["content"]["data"]["text/plain"] == "'epoch 1'"
    assert updated["msg_type"] == "update_display_data" and updated["content"]["data"]["text/plain"] == "'epoch 2'"
    assert shown["content"]["transient"]["display_id"] == updated["content"]["transient"]["display_id"] == "progress"
    # The option form too, from a later cell.
    reply, messages = execute(kernel, 'display("epoch 3", { displayId: "progress", update: true })')
    updates = [m for m in messages if m["msg_type"] == "update_display_data"]
    assert [u["content"]["transient"]["display_id"] for u in updates] == ["progress"]


def test_a_cell_ending_in_a_tensor_sends_an_execute_result_with_the_bundle(kernel):
    reply, messages = execute(kernel, "const t = tensor([[1, -2], [3, 4]]);\nt")
    assert reply["status"] == "ok"
    results = [m for m in messages if m["msg_type"] == "execute_result"]
    assert len(results) == 1 and not [m for m in messages if m["msg_type"] == "display_data"]
    content = results[0]["content"]
    assert content["execution_count"] == reply["execution_count"]
    assert set(content["data"]) == {FEATURE_MAP, "text/html", "image/png", "text/plain"}
    assert content["data"][FEATURE_MAP]["panels"][0]["shape"] == [2, 2]
    assert "[3, 4]" in content["data"]["text/plain"]


def test_a_type_error_is_an_iopub_error_with_line_and_column(kernel):
    reply, messages = execute(kernel, 'const ok = 1;\nconst n: number = "seven";')
    assert reply["status"] == "error"
    errors = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert len(errors) == 1
    assert errors[0]["ename"] == "TSError"
    assert errors[0]["evalue"] == "line 2, column 7: Type 'string' is not assignable to type 'number'."
    assert reply["ename"] == "TSError" and reply["evalue"] == errors[0]["evalue"]
    # The traceback quotes the line and puts a caret under the column.
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in errors[0]["traceback"]]
    source = next(i for i, line in enumerate(plain) if line.endswith('2 | const n: number = "seven";'))
    assert plain[source + 1].index("^") == plain[source].index("n: number")


def test_only_requests_queued_before_a_failure_are_aborted(kernel):
    failing = kernel.execute("await new Promise((r) => setTimeout(r, 1000));\nthrow new Error('late failure');")
    queued = kernel.execute("console.log('must not run')")
    assert replies_to(kernel, failing)["content"]["status"] == "error"
    assert replies_to(kernel, queued)["content"]["status"] == "aborted"
    # Sent after the failure: runs, with no waiting.
    reply, messages = execute(kernel, "console.log('runs')")
    assert reply["status"] == "ok" and messages[-1]["content"]["text"] == "runs\n"


def test_interrupt_request_stops_a_waiting_cell_and_keeps_variables(kernel):
    execute(kernel, "const kept = 41;")
    running = kernel.execute("await new Promise((r) => setTimeout(r, 60000));")
    wait_busy(kernel, running)
    interrupt = kernel.session.msg("interrupt_request", {})
    kernel.control_channel.send(interrupt)
    answer = kernel.control_channel.get_msg(timeout=10)
    assert answer["msg_type"] == "interrupt_reply" and answer["content"]["status"] == "ok"
    reply = replies_to(kernel, running, timeout=10)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted"
    reply, messages = execute(kernel, "console.log(kept + 1)")
    assert reply["status"] == "ok" and messages[-1]["content"]["text"] == "42\n"


def slider_moved_to_a_loop(kernel, code):
    """Runs `code` (a cell that prints a slider's model id), then moves that slider to 2 as a frontend does."""
    reply, messages = execute(kernel, code)
    assert reply["status"] == "ok", messages
    model_id = messages[-1]["content"]["text"].strip()
    update = kernel.session.msg("comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": {"value": 2}, "buffer_paths": []}})
    kernel.shell_channel.send(update)
    return update["header"]["msg_id"]


def interrupt(kernel):
    """Sends interrupt_request on control after the looping code has had half a second, and checks the reply."""
    time.sleep(0.5)
    kernel.control_channel.send(kernel.session.msg("interrupt_request", {}))
    answer = kernel.control_channel.get_msg(timeout=10)
    assert answer["msg_type"] == "interrupt_reply" and answer["content"]["status"] == "ok"


def test_interrupt_request_stops_a_widget_observer_in_a_synchronous_loop(kernel):
    """A comm handler (here a slider's observer) is stopped like a cell, and the kernel keeps its variables."""
    update = slider_moved_to_a_loop(kernel, (
        "const spin = intSlider({ value: 1, max: 9 }); let spins = 0;\n"
        "spin.observe('value', () => { while (true) spins++; });\n"
        "console.log(spin.modelId)"
    ))
    deadline = time.monotonic() + 30
    while True:  # busy: the observer is spinning
        msg = kernel.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == update and msg["content"].get("execution_state") == "busy":
            break
    interrupt(kernel)
    iopub_of(kernel, update, timeout=20)  # idle: the handler ended
    reply, messages = execute(kernel, "console.log(spins > 0, spin.value, kept + 1)")
    assert reply["status"] == "ok" and messages[-1]["content"]["text"] == "true 2 42\n", messages


def test_interrupt_request_stops_interacts_deferred_run_and_display_returns_to_the_cell(kernel):
    """interact reruns its function after the comm handler (coalescing a burst of moves): that run is stopped like a
    cell too, and the capture it was in gives display() back to the cells (an interrupt skips `finally` blocks)."""
    update = slider_moved_to_a_loop(kernel, (
        "const m = intSlider({ value: 1, max: 9 }); let loops = 0;\n"
        "const spinning = interact(({ m }) => { if (m > 1) while (true) loops++; return m; }, { m });\n"
        "console.log(m.modelId)"
    ))
    iopub_of(kernel, update)  # the handler scheduled the run and ended; the run now spins
    interrupt(kernel)
    reply, messages = execute(kernel, "display('back in the cell'); console.log(loops > 0, m.value)", timeout=30)
    assert reply["status"] == "ok", messages
    shown = [m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "display_data"]
    assert shown == ["'back in the cell'"], messages
    assert messages[-1]["content"]["text"] == "true 2\n", messages


def test_a_shorthand_property_can_name_an_earlier_cells_variable(kernel):
    execute(kernel, "const seed = 7;")
    reply, messages = execute(kernel, "const o = { seed, n: 1 };\nconsole.log(JSON.stringify(o))")
    assert reply["status"] == "ok" and messages[-1]["content"]["text"] == '{"seed":7,"n":1}\n'
    # A type error after a shorthand on the same line points at the column the user wrote.
    reply, messages = execute(kernel, 'const p = { seed }; const q: number = "x";')
    error = next(m["content"] for m in messages if m["msg_type"] == "error")
    assert reply["status"] == "error" and error["evalue"].startswith("line 1, column 27:")


def test_comm_info_gets_a_comm_info_reply(kernel):
    # A fresh kernel of its own: the module's kernel holds the widgets earlier tests opened.
    manager, client = start_new_kernel(kernel_name="convlab")
    try:
        reply = replies_to(client, client.comm_info())
        assert reply["msg_type"] == "comm_info_reply"
        assert reply["content"] == {"status": "ok", "comms": {}}
        execute(client, "const one = checkbox({ value: true })")
        comms = replies_to(client, client.comm_info())["content"]["comms"]
        # The checkbox, its layout and its style: three widget models, and nothing for another target.
        assert [c["target_name"] for c in comms.values()] == ["jupyter.widget"] * 3
        assert replies_to(client, client.comm_info("jupyter.widget"))["content"]["comms"] == comms
        assert replies_to(client, client.comm_info("convlab.inspector"))["content"]["comms"] == {}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_a_comm_opened_to_an_unknown_target_is_closed_and_the_kernel_goes_on(kernel):
    """ipykernel's answer to a target it does not have: comm_close on the same id, in the open's busy/idle."""
    msg = kernel.session.msg("comm_open", {"comm_id": "abc123", "target_name": "no.such.target", "data": {}})
    kernel.shell_channel.send(msg)
    messages = iopub_of(kernel, msg["header"]["msg_id"])
    assert [(m["msg_type"], m["content"]) for m in messages] == [("comm_close", {"comm_id": "abc123", "data": {}})]
    # A comm_msg and a comm_close for a comm that does not exist are ignored, and the kernel still runs cells.
    for kind, content in [("comm_msg", {"comm_id": "nope", "data": {"x": 1}}), ("comm_close", {"comm_id": "nope", "data": {}})]:
        other = kernel.session.msg(kind, content)
        kernel.shell_channel.send(other)
        assert iopub_of(kernel, other["header"]["msg_id"]) == []
    reply, messages = execute(kernel, "1 + 1")
    assert reply["status"] == "ok" and messages[-1]["content"]["data"]["text/plain"] == "2"


def test_node_types_check_in_a_notebook_folder_outside_the_repository(kernel):
    reply, messages = execute(kernel, 'const b: Buffer = Buffer.from("hi");\nconsole.log(b.length, typeof process.version)')
    assert reply["status"] == "ok", messages
    assert messages[-1]["content"]["text"] == "2 string\n"


def test_prelude_names_inspect_with_their_doc_and_signature(kernel):
    msg_id = kernel.inspect("show", 4)
    reply = replies_to(kernel, msg_id)
    assert reply["content"]["found"]
    text = reply["content"]["data"]["text/plain"]
    assert "show(input: Tensor" in text and "side by side" in text
    msg_id = kernel.complete("setDisplayOp", 12)
    assert replies_to(kernel, msg_id)["content"]["matches"] == ["setDisplayOptions"]


def test_a_message_with_a_forged_signature_is_dropped_and_never_runs(kernel):
    marker = os.path.join(tempfile.mkdtemp(prefix="convlab-hmac-"), "ran")
    code = f"require('fs').writeFileSync({marker!r}, 'ran')"
    forger = Session(key=b"not-the-key", session=kernel.session.session, username=kernel.session.username)
    forged = forger.send(kernel.shell_channel.socket, "execute_request",
                         {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                          "allow_stdin": False, "stop_on_error": True})
    # The kernel answers the next genuine request, and has not answered (nor run) the forged one.
    reply, _ = execute(kernel, "console.log('still up')")
    assert reply["status"] == "ok"
    time.sleep(0.5)  # not a timing assertion: gives a wrongly accepted message every chance to have run
    assert not os.path.exists(marker)
    while True:
        try:
            msg = kernel.get_shell_msg(timeout=0.2)
        except Exception:
            break
        assert msg["parent_header"].get("msg_id") != forged["header"]["msg_id"]


def test_the_managers_interrupt_stops_a_busy_loop_and_keeps_variables():
    """What JupyterLab's interrupt button does: the kernelspec's mode (message) through jupyter_client."""
    manager, client = start_new_kernel(kernel_name="convlab", cwd=tempfile.mkdtemp(prefix="convlab-sigint-"),
                                       startup_timeout=60)
    try:
        execute(client, "let count = 7;")
        marker = os.path.join(tempfile.mkdtemp(prefix="convlab-loop-"), "looping")
        running = client.execute(f"require('fs').writeFileSync({marker!r}, '');\nwhile (true) {{ count++; }}")
        # Interrupt once the loop runs (the marker is written just before it); test_faults.py interrupts
        # during the type-check.
        deadline = time.monotonic() + 30
        while not os.path.exists(marker):
            assert time.monotonic() < deadline, "the loop never started"
            time.sleep(0.05)
        manager.interrupt_kernel()
        reply = replies_to(client, running, timeout=20)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted"
        reply, messages = execute(client, "console.log(count > 7)")
        assert reply["status"] == "ok", reply
        assert messages[-1]["content"]["text"] == "true\n"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_shutdown_request_ends_the_process_cleanly():
    manager, client = start_new_kernel(kernel_name="convlab", cwd=tempfile.mkdtemp(prefix="convlab-stop-"),
                                       startup_timeout=60)
    process = manager.provisioner.process
    msg_id = client.shutdown()
    reply = client.get_control_msg(timeout=10) if hasattr(client, "get_control_msg") else None
    if reply is not None:
        assert reply["msg_type"] == "shutdown_reply" and reply["parent_header"]["msg_id"] == msg_id
    assert process.wait(timeout=20) == 0
    client.stop_channels()
    manager.cleanup_resources()


def test_every_library_export_is_a_typed_local_of_every_cell(kernel):
    names = subprocess.run(
        ["node", "-e", f"console.log(Object.keys(require({os.path.join(ROOT, 'kernel/dist/index')!r})).join(' '))"],
        check=True, capture_output=True, text=True).stdout.split()
    assert {"tensor", "conv2d", "display", "show", "clearOutput", "setDisplayOptions", "shapeTraceBundle"} <= set(names)
    # One cell that names each export: it type-checks only if each is declared, and prints how many are defined.
    code = f"console.log([{', '.join(names)}].filter((v) => v !== undefined).length)"
    reply, messages = execute(kernel, code)
    assert reply["status"] == "ok", messages
    assert messages[-1]["content"]["text"] == f"{len(names)}\n"


def test_nbclient_reports_a_failing_cell_by_name_and_message():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("const ok = 1;"),
        nbformat.v4.new_code_cell("conv2d(tensor([[[[1, 2], [3, 4]]]]), tensor([[[[1]]], [[[1]]]]), { groups: 2 })"),
    ])
    notebook.metadata.kernelspec = {"name": "convlab", "display_name": "TypeScript (ConvLab)", "language": "typescript"}
    client = NotebookClient(notebook, timeout=60, kernel_name="convlab",
                            resources={"metadata": {"path": tempfile.mkdtemp(prefix="convlab-nb-")}})
    with pytest.raises(CellExecutionError) as failure:
        client.execute()
    assert failure.value.ename == "ConvLabError"
    assert failure.value.evalue.startswith("conv2d: options.groups expected a divisor of input channels (1)")
    outputs = notebook.cells[1].outputs
    assert [o["output_type"] for o in outputs] == ["error"] and outputs[0]["ename"] == "ConvLabError"


def test_the_kernel_listens_only_where_the_connection_file_says(kernel):
    reply, messages = execute(kernel, "console.log(process.pid)")
    manager_pid = int(messages[-1]["content"]["text"])
    listening = subprocess.run(["ss", "-Hltnp"], check=True, capture_output=True, text=True).stdout
    mine = [line.split()[3] for line in listening.splitlines() if f"pid={manager_pid}," in line]
    info = kernel.get_connection_info()
    ports = {info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")}
    assert sorted(mine) == sorted(f"{info['ip']}:{port}" for port in ports)


def _children(pid):
    """Pids whose parent is `pid` (from /proc)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # "pid (comm) state ppid …": comm may hold spaces, so split after its closing parenthesis.
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            pass
    return found


def _command(pid):
    with open(f"/proc/{pid}/cmdline") as cmdline:
        return cmdline.read().split("\0")[0]


@pytest.mark.skipif(os.environ.get("CONVLAB_GPU") == "0", reason="CONVLAB_GPU=0: headless-gl not set up")
def test_the_xvfb_a_kernel_starts_for_headless_gl_ends_with_the_kernel_even_killed():
    manager, client = start_new_kernel(kernel_name="convlab", cwd=tempfile.mkdtemp(prefix="convlab-xvfb-"),
                                       startup_timeout=60, env={**os.environ, "DISPLAY": ""})
    try:
        reply, messages = execute(client, "setGpuMode('headlessgl'); console.log(gpuMode(), process.env.DISPLAY)")
        assert reply["status"] == "ok", reply
        mode, display = messages[-1]["content"]["text"].split()
        assert mode == "headlessgl"
        kernel_pid = manager.provisioner.process.pid
        xvfbs = [child for shell in _children(kernel_pid) for child in _children(shell) if _command(child).endswith("Xvfb")]
        assert len(xvfbs) == 1, f"expected one Xvfb under the kernel, found {xvfbs}"
        socket = f"/tmp/.X11-unix/X{display.lstrip(':')}"
        assert os.path.exists(socket)
        # SIGKILL: no exit handler runs; the watchdog must still end the server.
        os.kill(kernel_pid, 9)
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{xvfbs[0]}") and open(f"/proc/{xvfbs[0]}/stat").read().split()[2] != "Z":
            assert time.monotonic() < deadline, f"Xvfb {xvfbs[0]} outlived its killed kernel"
            time.sleep(0.1)
        assert not os.path.exists(socket), f"{socket} left behind"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

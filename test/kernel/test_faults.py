"""Fault injection: what buggy clients, odd thrown values and lost parents do to the kernel. Every case is a
regression test of something that once wedged the kernel or made an output vanish, and each checks that the
kernel then answers the next request and keeps its variables (`keep`, set once per kernel)."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest
import zmq
from jupyter_client.manager import start_new_kernel

from conftest import execute
from test_protocol import replies_to, wait_busy

KEEP = "let keep = 41; keep++;"


@pytest.fixture(scope="module")
def faulty():
    """A kernel of its own (the faults below must not leak into other modules' kernels), with `keep` = 42."""
    cwd = tempfile.mkdtemp(prefix="convlab-faults-")
    manager, client = start_new_kernel(kernel_name="convlab", cwd=cwd, startup_timeout=60)
    reply, _ = execute(client, KEEP)
    assert reply["status"] == "ok", reply
    yield manager, client, cwd
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def still_serves(client, timeout=30):
    """The kernel answers kernel_info on shell and runs a cell that sees `keep` (42)."""
    info = client.kernel_info()
    assert replies_to(client, info, timeout=timeout)["content"]["status"] == "ok"
    reply, messages = execute(client, "console.log(`keep=${keep}`)", timeout=timeout)
    assert reply["status"] == "ok", reply
    assert [m["content"]["text"] for m in messages if m["msg_type"] == "stream"] == ["keep=42\n"]


def raw_socket(client, channel, kind=zmq.DEALER):
    """A bare ZeroMQ socket connected to one of the kernel's channels, for frames no real client would send."""
    info = client.get_connection_info()
    sock = zmq.Context.instance().socket(kind)
    sock.linger = 0
    sock.connect(f"{info['transport']}://{info['ip']}:{info[channel + '_port']}")
    return sock


def signed(client, *parts):
    """Frames of a message signed with the kernel's key: `parts` are the header, parent, metadata and content."""
    parts = [p if isinstance(p, bytes) else json.dumps(p).encode() for p in parts]
    return [b"<IDS|MSG>", client.session.sign(parts)] + parts


def header(msg_type):
    return {"msg_id": os.urandom(8).hex(), "msg_type": msg_type, "session": "fault", "username": "t",
            "version": "5.3", "date": "2026-01-01T00:00:00Z"}


def errors_of(messages):
    return [m["content"] for m in messages if m["msg_type"] == "error"]


# 1. Frames no client should send: the kernel drops them and serves the next message.

def test_a_signed_message_with_a_null_header_does_not_stop_the_shell(faulty):
    _, client, _ = faulty
    shell = raw_socket(client, "shell")
    for parts in ([b"null", b"{}", b"{}", b"{}"], [b"[]", b"{}", b"{}", b"{}"], [b'"x"', b"null", b"{}", b"{}"],
                  [{"msg_type": "execute_request"}, {}, {}, {"code": "keep = 0"}],
                  [{"msg_id": 5, "msg_type": "kernel_info_request"}, {}, {}, {}],
                  [header("execute_request"), {}, {}, b"null"], [header("execute_request"), {}, {}, b"{not json"]):
        shell.send_multipart(signed(client, *parts))
    still_serves(client)


def test_junk_frames_to_every_channel_are_dropped(faulty):
    _, client, _ = faulty
    junk = [[b"junk"], [b"<IDS|MSG>"], [b"<IDS|MSG>", b"", b"", b"", b"", b""], [b"\xff" * 1000] * 7, [b""],
            [b"<IDS|MSG>", b"0" * 64, b"{}", b"{}", b"{}", b"{}"]]
    for channel in ("shell", "control", "stdin"):
        sock = raw_socket(client, channel)
        for frames in junk:
            sock.send_multipart(frames)
    # The heartbeat echoes whatever it is sent, junk included, and goes on beating.
    hb = raw_socket(client, "hb", zmq.REQ)
    hb.send_multipart([b"\x00junk", b"more"])
    assert hb.poll(10_000) and hb.recv_multipart() == [b"\x00junk", b"more"]
    still_serves(client)
    # Control still answers too.
    reply = client.session.send(client.control_channel.socket, client.session.msg("kernel_info_request", {}))
    assert client.get_control_msg(timeout=20)["parent_header"]["msg_id"] == reply["header"]["msg_id"]


def test_wrong_empty_and_replayed_signatures_never_run(faulty):
    _, client, cwd = faulty
    marker = os.path.join(cwd, "ran")
    code = {"code": f"require('fs').writeFileSync({marker!r}, '')", "silent": False}
    shell = raw_socket(client, "shell")
    parts = [json.dumps(p).encode() for p in (header("execute_request"), {}, {}, code)]
    shell.send_multipart([b"<IDS|MSG>", b"0" * 64] + parts)  # wrong
    shell.send_multipart([b"<IDS|MSG>", b""] + parts)  # empty
    good = signed(client, header("execute_request"), {}, {}, {"code": "keep", "silent": True})
    shell.send_multipart(good)
    assert shell.poll(20_000), "the signed request got no reply"
    shell.recv_multipart()
    shell.send_multipart(good)  # replayed: refused
    still_serves(client)
    assert not os.path.exists(marker)
    assert not shell.poll(500), "a replayed request was answered"


def test_a_50_mb_cell_is_refused_with_a_reason_and_nothing_is_lost(faulty):
    _, client, _ = faulty
    reply, messages = execute(client, "//" + "x" * 50_000_000, timeout=120)
    assert reply["status"] == "error" and reply["ename"] == "CodeTooLarge", reply
    assert "50000002 characters" in reply["evalue"] and "at most 1000000" in reply["evalue"]
    still_serves(client)


def test_a_message_beyond_the_size_limit_is_dropped_and_the_kernel_serves_on(faulty):
    _, client, _ = faulty
    # 257 MB: over the kernel's 256 MiB limit for one message, which ZeroMQ enforces by dropping the peer.
    shell = raw_socket(client, "shell")
    shell.send_multipart([b"<IDS|MSG>", b"", b"{}", b"{}", b"{}", b"\0" * (257 * 2**20)])
    still_serves(client)


# 2–3. Whatever a cell throws or displays, the cell ends with a valid, visible message.

@pytest.mark.parametrize("code, ename, evalue", [
    ("const e = new Error('x'); Object.defineProperty(e, 'stack', { get() { throw new Error('t') } }); throw e",
     "Error", "x"),
    ("throw new Proxy({}, { get() { throw new Error('g') }, has() { throw new Error('h') },"
     " getPrototypeOf() { throw new Error('p') }, ownKeys() { throw new Error('o') } })", "Error", None),
    ("throw { message: 5, name: {} }", "Error", "5"),
    ("const n = new Error('m'); Object.defineProperty(n, 'name', { get() { throw new Error('n') } }); throw n",
     "Error", "m"),
    ("throw Object.assign(new Error('big'), { message: 'y'.repeat(1e6) })", "Error", None),
])
def test_any_thrown_value_ends_the_cell_with_string_ename_and_evalue(faulty, code, ename, evalue):
    _, client, _ = faulty
    reply, messages = execute(client, code, timeout=30)
    assert reply["status"] == "error"
    [error] = errors_of(messages)
    assert isinstance(error["ename"], str) and isinstance(error["evalue"], str)
    assert all(isinstance(line, str) for line in error["traceback"])
    assert error["ename"] == ename and (evalue is None or error["evalue"] == evalue)
    assert len(error["evalue"]) < 10_000
    still_serves(client)


@pytest.mark.parametrize("returned", ["42", "null", "{}", "{ 'text/plain': 5 }", "{ 'not a mime type': 'x' }"])
def test_a_display_method_returning_no_bundle_is_a_readable_error(faulty, returned):
    _, client, _ = faulty
    code = f"({{ [Symbol.for('Jupyter.display')]() {{ return {returned}; }} }})"
    for cell in (code, f"display({code})"):
        reply, messages = execute(client, cell)
        assert reply["status"] == "error", (cell, reply)
        assert not [m for m in messages if m["msg_type"] in ("execute_result", "display_data")]
        [error] = errors_of(messages)
        assert "Jupyter.display" in error["evalue"], error
    still_serves(client)


# 5. A failed import does not wedge later cells once the module appears.

def test_a_module_that_appears_after_a_failed_import_can_be_imported(faulty):
    _, client, cwd = faulty
    reply, _ = execute(client, "import * as late from 'late-module'; late.answer")
    assert reply["status"] == "error" and "late-module" in reply["evalue"], reply
    package = os.path.join(cwd, "node_modules", "late-module")
    os.makedirs(package)
    with open(os.path.join(package, "package.json"), "w") as f:
        json.dump({"name": "late-module", "version": "1.0.0", "main": "index.js", "types": "index.d.ts"}, f)
    with open(os.path.join(package, "index.js"), "w") as f:
        f.write("exports.answer = 42;\n")
    with open(os.path.join(package, "index.d.ts"), "w") as f:
        f.write("export declare const answer: number;\n")
    time.sleep(1.5)  # lets TypeScript's watcher of failed lookups see the new folder (the case that wedged)
    reply, messages = execute(client, "import * as late from 'late-module'; console.log(late.answer)")
    assert reply["status"] == "ok", reply
    assert messages[-1]["content"]["text"] == "42\n"
    still_serves(client)


# 6. interrupt_request stops synchronous code, even when it arrives during the type-check.

def spinning(client, cwd, name):
    """Starts an endless synchronous loop; returns its msg_id once the loop runs (a marker file is written just
    before it)."""
    marker = os.path.join(cwd, name)
    running = client.execute(f"require('fs').writeFileSync({marker!r}, ''); let spin = 0; while (true) {{ spin++; }}")
    deadline = time.monotonic() + 30
    while not os.path.exists(marker):
        assert time.monotonic() < deadline, "the loop never started"
        time.sleep(0.05)
    return running


def assert_interrupted(client, running):
    """The cell `running` ended as interrupted, and the kernel still serves with its variables."""
    reply = replies_to(client, running, timeout=20)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted", reply["content"]
    still_serves(client)


def test_interrupt_request_stops_a_synchronous_loop(faulty):
    manager, client, cwd = faulty
    assert manager.kernel_spec.interrupt_mode == "message"
    running = spinning(client, cwd, "looping")
    client.control_channel.send(client.session.msg("interrupt_request", {}))
    assert client.get_control_msg(timeout=10)["content"]["status"] == "ok"
    assert_interrupted(client, running)


def test_an_interrupt_during_the_type_check_is_not_lost(faulty):
    _, client, _ = faulty
    # A long cell: its type-check takes a good part of a second, and the interrupt is sent as soon as the cell
    # has started (its execute_input), so it lands during the type-check.
    declarations = "".join(f"const typed{i}: {{ n: number; s: string }} = {{ n: {i}, s: '{i}' }};\n" for i in range(300))
    running = client.execute(declarations + "let spin = 0; while (true) { spin++; }")
    wait_busy(client, running)
    client.control_channel.send(client.session.msg("interrupt_request", {}))
    assert_interrupted(client, running)


def test_a_raw_sigint_still_stops_a_loop(faulty):
    manager, client, cwd = faulty
    running = spinning(client, cwd, "looping-signal")
    os.kill(manager.provisioner.process.pid, signal.SIGINT)
    assert_interrupted(client, running)


# 9. Library errors read as a newcomer needs them.

def test_a_library_error_has_no_internal_frames_unless_asked(faulty):
    _, client, _ = faulty
    cell = "conv2d(zeros([1, 3, 8, 8]), zeros([4, 2, 3, 3]))"
    reply, messages = execute(client, cell)
    [error] = errors_of(messages)
    assert error["ename"] == "ConvLabError"
    assert not [line for line in error["traceback"] if "dist" in line], error["traceback"]
    reply, messages = execute(client, f"process.env.CONVLAB_TRACEBACK = 'full';\n{cell}")
    [error] = errors_of(messages)
    assert [line for line in error["traceback"] if "dist" in line and " at " in line], error["traceback"]
    execute(client, "delete process.env.CONVLAB_TRACEBACK")
    still_serves(client)


# 4. The kernel ends with the process that started it.

def test_the_kernel_exits_when_its_parent_is_killed():
    folder = tempfile.mkdtemp(prefix="convlab-orphan-")
    pid_file = os.path.join(folder, "kernel.pid")
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from jupyter_client.manager import start_new_kernel
        manager, client = start_new_kernel(kernel_name="convlab", cwd={folder!r}, startup_timeout=60)
        open({pid_file!r}, "w").write(str(manager.provisioner.process.pid))
        time.sleep(600)
    """)], env=os.environ.copy())
    try:
        deadline = time.monotonic() + 90
        while not os.path.exists(pid_file) or not open(pid_file).read():
            assert time.monotonic() < deadline and parent.poll() is None, "the kernel did not start"
            time.sleep(0.2)
        kernel_pid = int(open(pid_file).read())
        assert os.path.exists(f"/proc/{kernel_pid}")
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 15
        while os.path.exists(f"/proc/{kernel_pid}") and open(f"/proc/{kernel_pid}/stat").read().split()[2] != "Z":
            assert time.monotonic() < deadline, f"kernel {kernel_pid} outlived its parent by 15 s"
            time.sleep(0.2)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_other_libraries_option_names_get_a_did_you_mean(faulty):
    _, client, _ = faulty
    reply, _ = execute(client, "traceShapes([1, 3, 32, 32], [{ op: 'conv2d', filters: 8, kernelSize: 3 }])")
    assert reply["ename"] == "TSError" and "did you mean 'outChannels'" in reply["evalue"], reply["evalue"]
    # At run time too: an options object typed `any` (built at run time, or from JSON).
    reply, _ = execute(client, "conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), { strides: 2 } as any)")
    assert reply["ename"] == "ConvLabError" and "did you mean 'stride'" in reply["evalue"], reply["evalue"]
    still_serves(client)


# 8. REPL conventions.

@pytest.mark.parametrize("code, shown", [('"a" + "b"', "'ab'"), ('"6"', "'6'"), ("6", "6"), ("'it\\'s'", '"it\'s"')])
def test_a_string_result_is_shown_quoted_as_every_repl_does(faulty, code, shown):
    _, client, _ = faulty
    reply, messages = execute(client, code)
    [result] = [m["content"] for m in messages if m["msg_type"] == "execute_result"]
    assert result["data"]["text/plain"] == shown


# Requests other than execute: answered (or refused with status error) quickly, whatever their content.

def test_requests_with_hostile_content_get_a_reply(faulty):
    _, client, _ = faulty
    cases = [
        ("history_request", {"hist_access_type": "search", "pattern": "*a*a*a*a*a*a*a*a*a*a*a*a*!", "output": False,
                             "raw": True}),
        ("is_complete_request", {"code": "\n" * 20_000 + "x"}),
        ("complete_request", {"code": "conv", "cursor_pos": "x"}),
        ("complete_request", {"code": "conv", "cursor_pos": -5}),
        ("inspect_request", {"code": "conv2d", "cursor_pos": 1e300, "detail_level": 7}),
        ("complete_request", {"code": 5, "cursor_pos": None}),
        ("inspect_request", {"code": "x" * 2_000_000, "cursor_pos": 1}),
    ]
    execute(client, "const " + "a" * 60 + " = 1;")  # a long history entry for the search
    for msg_type, content in cases:
        msg = client.session.msg(msg_type, content)
        client.shell_channel.send(msg)
        reply = replies_to(client, msg["header"]["msg_id"], timeout=20)["content"]
        # is_complete answers with the code's status; every other reply says ok or error.
        assert reply["status"] in (("complete", "incomplete", "invalid", "unknown") if msg_type == "is_complete_request"
                                   else ("ok", "error")), (msg_type, reply)
        if msg_type == "complete_request" and reply["status"] == "ok":
            assert 0 <= reply["cursor_start"] <= reply["cursor_end"] <= 4, reply
    still_serves(client)


def test_shutdown_during_a_synchronous_loop_ends_the_process_cleanly():
    manager, client = start_new_kernel(kernel_name="convlab", cwd=tempfile.mkdtemp(prefix="convlab-stop-loop-"),
                                       startup_timeout=60)
    process = manager.provisioner.process
    try:
        running = client.execute("let spin = 0; while (true) { spin++; }")
        wait_busy(client, running)
        client.shutdown()
        assert process.wait(timeout=20) == 0
    finally:
        client.stop_channels()
        manager.cleanup_resources()

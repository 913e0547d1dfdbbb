"""Starts the ConvLab kernel: finds Node.js 20+ and hands the process over to it.

The kernelspec runs this file with the Jupyter server's own Python (`"python"` in `argv` is replaced by
jupyter_client with the server's interpreter), so it needs nothing but the standard library on the happy
path, and it works wherever the kernelspec is found: the kernel's JavaScript lies beside it, in `node/`.

Node.js is the one thing ConvLab needs from outside Python. Where it is missing or too old, this file does
not exit (a dead kernel says nothing in the notebook): it serves a small kernel in Python that answers every
cell with an error naming what to install.

Usage (the kernelspec's argv):
    python {resource_dir}/launch.py [--launcher PATH] {connection_file}

Environment:
    CONVLAB_NODE  the Node.js executable to use (default: `node` on PATH)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

MIN_NODE_MAJOR = 20
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LAUNCHER = os.path.join(HERE, "node", "dist", "launcher.js")
INSTALL_HINT = (
    "Install Node.js {major} or newer: from https://nodejs.org, with conda "
    '(conda install -c conda-forge "nodejs>={major}"), or with your system\'s package manager; make sure '
    "`node` is on the PATH of the Jupyter server (or set CONVLAB_NODE to its full path), then restart the kernel."
).format(major=MIN_NODE_MAJOR)


def find_node(environ: dict[str, str]) -> tuple[str | None, str | None]:
    """Returns (path of a usable Node.js, None) or (None, why there is none).

    >>> find_node({"PATH": "/nonexistent"})
    (None, 'no `node` was found on PATH (/nonexistent)')
    """
    explicit = environ.get("CONVLAB_NODE")
    node = explicit or shutil.which("node", path=environ.get("PATH")) or shutil.which("nodejs", path=environ.get("PATH"))
    if not node:
        return None, "no `node` was found on PATH ({})".format(environ.get("PATH", ""))
    try:
        out = subprocess.run(
            [node, "-p", "process.versions.node"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, "{} ({}) does not run: {}".format(node, "CONVLAB_NODE" if explicit else "from PATH", err)
    version = out.stdout.strip()
    match = re.match(r"^v?(\d+)\.", version)
    if out.returncode != 0 or not match:
        return None, "{} does not report a Node.js version (exit {}, output {!r})".format(
            node, out.returncode, (out.stdout + out.stderr).strip()[:200]
        )
    if int(match.group(1)) < MIN_NODE_MAJOR:
        return None, "the Node.js found at {} is {}, older than {}".format(node, version, MIN_NODE_MAJOR)
    return node, None


def serve_error_kernel(connection_file: str, message: str) -> None:
    """A minimal Jupyter kernel that answers every cell with `message` as an error, until shut down.

    It needs pyzmq and jupyter_client, which every Jupyter server that starts kernels has.
    """
    import signal

    import zmq
    from jupyter_client.session import Session

    # A SIGINT (sent by hand, or by a server that signals) must not end this kernel: there is nothing to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    with open(connection_file, encoding="utf-8") as f:
        info = json.load(f)
    session = Session(
        key=info.get("key", "").encode(), signature_scheme=info.get("signature_scheme", "hmac-sha256"), username="convlab"
    )
    context = zmq.Context()

    def bind(kind: int, port_name: str) -> "zmq.Socket":
        socket = context.socket(kind)
        socket.linger = 1000
        if info.get("transport", "tcp") == "ipc":
            socket.bind("ipc://{}-{}".format(info["ip"], info[port_name]))
        else:
            socket.bind("tcp://{}:{}".format(info["ip"], info[port_name]))
        return socket

    shell, control, stdin = bind(zmq.ROUTER, "shell_port"), bind(zmq.ROUTER, "control_port"), bind(zmq.ROUTER, "stdin_port")
    iopub, heartbeat = bind(zmq.PUB, "iopub_port"), bind(zmq.REP, "hb_port")
    lines = ["ConvLab cannot start its TypeScript kernel: " + message + ".", INSTALL_HINT]
    error = {"ename": "NodeNotFound", "evalue": " ".join(lines), "traceback": lines}
    count = 0

    def replies(msg: dict) -> tuple[str, dict] | None:
        nonlocal count
        kind = msg["header"]["msg_type"]
        content = msg["content"]
        if kind == "kernel_info_request":
            return "kernel_info_reply", {
                "status": "ok",
                "protocol_version": "5.3",
                "implementation": "convlab",
                "implementation_version": "0",
                "language_info": {"name": "typescript", "mimetype": "text/typescript", "file_extension": ".ts", "version": ""},
                "banner": "\n".join(lines),
            }
        if kind == "execute_request":
            if not content.get("silent"):
                count += 1
            session.send(iopub, "execute_input", {"code": content.get("code", ""), "execution_count": count}, parent=msg)
            session.send(iopub, "error", error, parent=msg)
            return "execute_reply", {"status": "error", "execution_count": count, **error}
        if kind == "is_complete_request":
            return "is_complete_reply", {"status": "complete"}
        if kind == "complete_request":
            at = content.get("cursor_pos", 0)
            return "complete_reply", {"status": "ok", "matches": [], "cursor_start": at, "cursor_end": at, "metadata": {}}
        if kind == "inspect_request":
            return "inspect_reply", {"status": "ok", "found": False, "data": {}, "metadata": {}}
        if kind == "history_request":
            return "history_reply", {"status": "ok", "history": []}
        if kind == "comm_info_request":
            return "comm_info_reply", {"status": "ok", "comms": {}}
        if kind == "interrupt_request":
            return "interrupt_reply", {"status": "ok"}
        if kind == "shutdown_request":
            return "shutdown_reply", {"status": "ok", "restart": bool(content.get("restart"))}
        return None

    poller = zmq.Poller()
    for socket in (shell, control, heartbeat):
        poller.register(socket, zmq.POLLIN)
    session.send(iopub, "status", {"execution_state": "starting"})
    while True:
        for socket, _ in poller.poll():
            frames = socket.recv_multipart(copy=True)
            if socket is heartbeat:
                heartbeat.send_multipart(frames)
                continue
            try:
                identities, parts = session.feed_identities(frames)
                msg = session.deserialize(parts)
            except Exception:  # a malformed or wrongly signed message is dropped, as any kernel does
                continue
            if not isinstance(msg["content"], dict):
                continue  # signed, but its content is not an object (a `null` header already fails above)
            session.send(iopub, "status", {"execution_state": "busy"}, parent=msg)
            answer = replies(msg)
            if answer:
                session.send(socket, answer[0], answer[1], parent=msg, ident=identities)
            session.send(iopub, "status", {"execution_state": "idle"}, parent=msg)
            if msg["header"]["msg_type"] == "shutdown_request":
                context.destroy(linger=1000)
                return


def main(argv: list[str]) -> int:
    args = list(argv)
    launcher = DEFAULT_LAUNCHER
    if len(args) >= 2 and args[0] == "--launcher":
        launcher = os.path.abspath(args[1])
        args = args[2:]
    if len(args) != 1:
        print("usage: launch.py [--launcher PATH] CONNECTION_FILE", file=sys.stderr)
        return 2
    connection_file = args[0]
    node, why = find_node(dict(os.environ))
    if node is None:
        print("convlab: " + str(why) + ". " + INSTALL_HINT, file=sys.stderr)
        serve_error_kernel(connection_file, str(why))
        return 0
    command = [node, launcher, connection_file]
    if os.name == "posix":
        # The kernel becomes this process, so the server's signals (interrupt, shutdown) reach Node directly.
        os.execv(node, command)
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

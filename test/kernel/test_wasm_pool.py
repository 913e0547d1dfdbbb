"""The wasm backend's worker pool (kernel/src/backends/wasm/threads.ts) in a real kernel: a long conv interrupted
half-way leaves every worker ready and the next conv right, and thousands of mixed-size convs in one cell finish
(a wait that could miss its wake-up used to hang such a loop)."""
import json
import os
import tempfile
import time

import pytest
from jupyter_client.manager import start_new_kernel

from conftest import execute


@pytest.fixture(scope="module")
def lab():
    """A kernel of its own (these tests interrupt it), with its manager: (manager, client)."""
    manager, client = start_new_kernel(kernel_name="convlab", cwd=tempfile.mkdtemp(prefix="convlab-wasm-pool-"),
                                       startup_timeout=60)
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def reply_to(client, msg_id, timeout):
    """The shell reply to `msg_id`, skipping replies to other requests."""
    deadline = time.monotonic() + timeout
    while True:
        reply = client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def printed(messages):
    """What the cell printed on stdout."""
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


def test_an_interrupted_wasm_conv_leaves_every_worker_ready_and_the_next_conv_right(lab):
    manager, client = lab
    # Start the workers and wait until each is ready, so that the long conv is split over them.
    reply, messages = execute(client, "useBackend('wasm');\n"
                                      "conv2d(zeros([1, 16, 40, 40]), zeros([16, 16, 3, 3]), { padding: 1 });\n"
                                      "while (wasmThreads().ready < wasmThreads().size) await new Promise((r) => setTimeout(r, 10));\n"
                                      "console.log(JSON.stringify(wasmThreads()));")
    assert reply["status"] == "ok", messages
    threads = json.loads(printed(messages))
    assert threads["ready"] == threads["size"]
    # About 3.5·10^11 multiply-adds: minutes on a few cores. The marker is written just before it, so the
    # interrupt lands inside the conv (after its set-up, well under the 3 s), not in the cell's type-check.
    marker = os.path.join(tempfile.mkdtemp(prefix="convlab-wasm-conv-"), "started")
    running = client.execute(f"require('fs').writeFileSync({marker!r}, '');\n"
                             "conv2d(zeros([1, 128, 512, 512]), zeros([128, 128, 9, 9]), { padding: 4 });")
    deadline = time.monotonic() + 60
    while not os.path.exists(marker):
        assert time.monotonic() < deadline, "the conv's cell never started"
        time.sleep(0.05)
    time.sleep(3)
    manager.interrupt_kernel()
    reply = reply_to(client, running, timeout=60)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted", reply["content"]
    # The next conv (another geometry: its parameters and scratch land where the interrupted slices read) agrees
    # with the reference loops, and its slices went to every thread again.
    reply, messages = execute(client, """
const before = wasmThreads();
const x = randn([1, 24, 33, 47], { seed: 3 });
const w = randn([20, 24, 3, 3], { seed: 4 });
useBackend('wasm');
const fast = conv2d(x, w, { padding: 1 }).data;
useBackend('cpu');
const reference = conv2d(x, w, { padding: 1 }).data;
useBackend('wasm');
let worst = 0;
for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i]! - reference[i]!));
console.log(JSON.stringify({ before, worst, after: wasmThreads() }));""", timeout=120)
    assert reply["status"] == "ok", messages
    result = json.loads(printed(messages))
    size = result["before"]["size"]
    assert result["before"]["ready"] == size, result
    assert result["worst"] < 1e-3, result
    assert result["after"] == {"size": size, "ready": size, "busy": 0}, result


def test_thousands_of_mixed_size_wasm_convs_in_one_cell_finish(lab):
    _, client = lab
    # Unbounded, this loop hung within seconds to minutes when a worker finished between the main thread's two
    # reads of its flag (the wake-up came before the wait). A hang here is the reply's timeout.
    reply, messages = execute(client, """
useBackend('wasm');
let done = 0;
for (let i = 0; i < 20000; i++) {
  conv2d(zeros([1, 4 + i * 5 % 13, 16 + i * 7 % 29, 16 + i * 11 % 31]), zeros([3 + i * 3 % 11, 4 + i * 5 % 13, 3, 3]), { padding: 1 });
  done++;
}
console.log(JSON.stringify({ done, threads: wasmThreads() }));""", timeout=600)
    assert reply["status"] == "ok", messages
    result = json.loads(printed(messages))
    size = result["threads"]["size"]
    assert result == {"done": 20000, "threads": {"size": size, "ready": size, "busy": 0}}

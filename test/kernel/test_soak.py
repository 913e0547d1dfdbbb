"""A soak: a few hundred cells mixing convs on every CPU backend, displays, library errors, odd thrown values,
awaits and interrupts of synchronous loops, in one kernel. It asserts that every cell ends as it should, that
variables survive, and that the kernel's resident memory grows by at most RSS_GROWTH_LIMIT_MB after warm-up; it
prints (never asserts on) the RSS and latency drift, for the CI log."""
import os
import statistics
import tempfile
import time

from jupyter_client.manager import start_new_kernel

from conftest import execute
from test_protocol import replies_to, wait_busy

CELLS = 300
WARM_UP = 30
#: What a few hundred cells may add to the kernel's resident memory once warm: caches that fill up (the wasm
#: scratch, TypeScript's program) are bounded; a leak per cell (a retained bundle, a listener) is not.
RSS_GROWTH_LIMIT_MB = 250
#: What is still reachable after a full collection: a leak per cell shows here first (RSS also holds garbage
#: that V8 has not collected yet, and memory it keeps for reuse).
HEAP_GROWTH_LIMIT_MB = 40

#: A cell that runs a full collection (V8's gc, exposed at run time) and prints the heap in use, in MB.
COLLECT = ("require('v8').setFlagsFromString('--expose-gc'); (require('vm').runInNewContext('gc') as () => void)();\n"
           "console.log(process.memoryUsage().heapUsed / 2 ** 20)")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def cell(i):
    """The i-th cell: its code and the status it must end with."""
    backend = ("cpu", "wasm", "auto")[i % 3]
    size = 8 + (i * 7) % 25
    kind = i % 10
    if kind in (0, 1, 2):
        return (f"useBackend('{backend}'); const y{i % 5} = conv2d(randn([1, 4, {size}, {size}], {{ seed: {i} }}), "
                f"randn([6, 4, 3, 3], {{ seed: 1 }}), {{ padding: 1 }}); y{i % 5}", "ok")
    if kind == 3:
        return f"display(maxPool2d(randn([1, 2, {size}, {size}]), 2)); kept += 1;", "ok"
    if kind == 4:
        return f"conv2d(zeros([1, 3, {size}, {size}]), zeros([4, 2, 3, 3]))", "error"
    if kind == 5:
        return "throw { message: 5, name: {} }", "error"
    if kind == 6:
        return "await new Promise((resolve) => setTimeout(resolve, 5)); kept", "ok"
    if kind == 7:
        return f"traceShapes([1, 3, {size + 8}, {size + 8}], [{{ op: 'conv2d', outChannels: 4, kernel: 3 }}])", "ok"
    if kind == 8:
        return "let spin = 0; while (true) { spin++; }", "interrupt"
    return f"'cell {i}'.length + kept", "ok"


def test_a_soak_of_mixed_cells_keeps_memory_and_variables(capsys):
    manager, client = start_new_kernel(kernel_name="convlab", cwd=tempfile.mkdtemp(prefix="convlab-soak-"),
                                       startup_timeout=60)
    pid = manager.provisioner.process.pid
    try:
        reply, _ = execute(client, "let kept = 0;")
        assert reply["status"] == "ok"
        rss, latency, heap = [], [], {}
        displays = 0

        def collect(at):
            reply, messages = execute(client, COLLECT)
            assert reply["status"] == "ok", reply
            heap[at] = (float(messages[-1]["content"]["text"]), rss_mb(pid))

        for i in range(CELLS):
            if i == WARM_UP:
                collect("warm")
            code, expected = cell(i)
            started = time.monotonic()
            if expected == "interrupt":
                running = client.execute(code)
                wait_busy(client, running)
                client.control_channel.send(client.session.msg("interrupt_request", {}))
                content = replies_to(client, running, timeout=60)["content"]
                assert content["status"] == "error" and content["ename"] == "Interrupted", (i, content)
            else:
                content, messages = execute(client, code, timeout=120)
                assert content["status"] == expected, (i, code, content)
                displays += code.startswith("display(")
            latency.append(time.monotonic() - started)
            rss.append(rss_mb(pid))
        collect("end")
        content, messages = execute(client, "console.log(kept)")
        assert content["status"] == "ok"
        assert messages[-1]["content"]["text"] == f"{displays}\n", "a variable lost its value"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    (warm_heap, warm), (end_heap, end) = heap["warm"], heap["end"]
    first = statistics.median(latency[WARM_UP:WARM_UP + 50])
    last = statistics.median(latency[-50:])
    with capsys.disabled():
        print(f"\nsoak: {CELLS} cells; after a full collection at warm-up ({WARM_UP} cells) and at the end: heap "
              f"{warm_heap:.0f} → {end_heap:.0f} MB ({end_heap - warm_heap:+.1f}, limit {HEAP_GROWTH_LIMIT_MB}), RSS "
              f"{warm:.0f} → {end:.0f} MB ({end - warm:+.0f}, limit {RSS_GROWTH_LIMIT_MB}); RSS {rss[0]:.0f} MB after the "
              f"first cell, peak {max(rss):.0f} MB; median cell latency {first * 1000:.0f} ms (cells {WARM_UP}–{WARM_UP + 49}) "
              f"→ {last * 1000:.0f} ms (last 50), drift ×{last / first:.2f}")
    assert end_heap - warm_heap <= HEAP_GROWTH_LIMIT_MB, f"the heap grew by {end_heap - warm_heap:.0f} MB over {CELLS - WARM_UP} cells"
    assert end - warm <= RSS_GROWTH_LIMIT_MB, f"RSS grew by {end - warm:.0f} MB over {CELLS - WARM_UP} cells"

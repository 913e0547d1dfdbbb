"""Kernel benchmark (a script, not a test: it prints numbers and ratios, asserts nothing).

Starts ConvLab's kernel and plain tslab side by side, alternating, from temporary kernelspecs that point at this
checkout, and prints: start → ready (kernel_info answered), a trivial cell's round trip (median), and ConvLab's
resident memory before and after 200 cells with errors mixed in.

Usage: .venv/bin/python test/kernel/bench_kernel.py
"""
import json
import os
import shutil
import statistics
import tempfile
import time

from jupyter_client.manager import KernelManager

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE = shutil.which("node")
SPECS = {
    "convlab": [NODE, os.path.join(ROOT, "kernel/dist/launcher.js"), "{connection_file}"],
    "tslab": [NODE, os.path.join(ROOT, "node_modules/tslab/bin/tslab"), "kernel", "--config-path", "{connection_file}"],
}


def install_specs():
    data = tempfile.mkdtemp(prefix="convlab-bench-")
    for name, argv in SPECS.items():
        os.makedirs(os.path.join(data, "kernels", f"bench-{name}"))
        with open(os.path.join(data, "kernels", f"bench-{name}", "kernel.json"), "w") as f:
            json.dump({"argv": argv, "display_name": name, "language": "typescript"}, f)
    os.environ["JUPYTER_PATH"] = data


def start(name):
    """Starts a kernel; returns (manager, client, seconds from launch to kernel_info_reply)."""
    manager = KernelManager(kernel_name=f"bench-{name}")
    began = time.perf_counter()
    manager.start_kernel(cwd=tempfile.mkdtemp(prefix="convlab-bench-nb-"))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return manager, client, time.perf_counter() - began


def round_trips(client, count=50):
    times = []
    for i in range(count):
        began = time.perf_counter()
        reply = client.execute_interactive(f"{i} + 1", timeout=30, output_hook=lambda msg: None)
        times.append(time.perf_counter() - began)
        assert reply["content"]["status"] == "ok", reply
    return statistics.median(times)


def rss_kib(manager):
    with open(f"/proc/{manager.provisioner.process.pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1])


def main():
    install_specs()
    ready = {name: [] for name in SPECS}
    trip = {name: [] for name in SPECS}
    for _ in range(3):
        for name in SPECS:
            manager, client, seconds = start(name)
            ready[name].append(seconds)
            round_trips(client, 10)  # warm-up: the first cells load the type checker
            trip[name].append(round_trips(client))
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    for name in SPECS:
        print(f"{name:8s} start→ready median {statistics.median(ready[name]):.2f} s, "
              f"trivial cell round trip median {statistics.median(trip[name]) * 1000:.1f} ms")
    print(f"ratios convlab/tslab: start {statistics.median(ready['convlab']) / statistics.median(ready['tslab']):.2f}, "
          f"round trip {statistics.median(trip['convlab']) / statistics.median(trip['tslab']):.2f}")

    manager, client, _ = start("convlab")
    cells = ["const a0 = tensor([[1, 2], [3, 4]]);"] + [
        ("conv2d(a0, tensor([[[[1]]], [[[1]]]]), { groups: 2 })" if i % 10 == 0 else
         "const n: number = 'x';" if i % 10 == 5 else
         f"conv2d(tensor(new Float32Array(64 * 64).fill({i}), [1, 1, 64, 64]), tensor([[[[1, 0], [0, -1]]]]))")
        for i in range(200)]
    before = rss_kib(manager)
    failed = 0
    for code in cells:
        failed += client.execute_interactive(code, timeout=60, output_hook=lambda msg: None)["content"]["status"] == "error"
    after = rss_kib(manager)
    alive = client.execute_interactive("1 + 1", timeout=30, output_hook=lambda msg: None)["content"]["status"]
    print(f"200 cells ({failed} failing): RSS {before / 1024:.0f} MiB before, {after / 1024:.0f} MiB after; "
          f"kernel then answers: {alive}")
    client.stop_channels()
    manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()

"""The inspector comm (`convlab.inspector`) against the real kernel, as JupyterLab's inspector panel drives it:
the state after every cell, the featuremap request, exact values of a shown (downsampled) panel, and hostile
requests answered with errors while the kernel keeps its variables."""
import os
import time
import uuid

import pytest

from conftest import execute, iopub_of

FEATURE_MAP = "application/vnd.convlab.featuremap.v1+json"
TARGET = "convlab.inspector"




def comm_data(messages, comm_id):
    """The `data` of the comm_msgs the kernel sent on `comm_id`."""
    return [m["content"]["data"] for m in messages if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id]


def open_inspector(client):
    """Opens an inspector comm as the frontend does; returns its id and the state the kernel answered with."""
    comm_id = uuid.uuid4().hex
    msg = client.session.msg("comm_open", {"comm_id": comm_id, "target_name": TARGET, "data": {}})
    client.shell_channel.send(msg)
    [state] = comm_data(iopub_of(client, msg["header"]["msg_id"]), comm_id)
    return comm_id, state


def ask(client, comm_id, data):
    """Sends `data` on the comm; returns the one message the kernel answered with."""
    msg = client.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
    client.shell_channel.send(msg)
    [answer] = comm_data(iopub_of(client, msg["header"]["msg_id"]), comm_id)
    return answer


def run(client, code):
    """Runs a cell that must succeed; returns the state event the inspector got after it."""
    reply, messages = execute(client, code)
    assert reply["status"] == "ok", messages
    states = [d for m in messages if m["msg_type"] == "comm_msg" for d in [m["content"]["data"]] if d.get("event") == "state"]
    assert len(states) == 1, messages
    return states[0]


@pytest.fixture(scope="module")
def inspector(kernel):
    comm_id, state = open_inspector(kernel)
    assert state["event"] == "state"
    return comm_id


def rows(state):
    return {row["name"]: row for row in state["tensors"]}


def test_the_comm_is_listed_and_the_first_state_comes_on_open(kernel, inspector):
    msg_id = kernel.comm_info(TARGET)
    while True:
        answer = kernel.get_shell_msg(timeout=30)
        if answer["parent_header"].get("msg_id") == msg_id:
            break
    assert answer["content"]["comms"][inspector] == {"target_name": TARGET}


def test_each_cell_sends_the_tensor_variables(kernel, inspector):
    state = run(kernel, "useBackend('cpu');\nconst x = randn([1, 2, 8, 8], { seed: 1 });\nconst w = randn([3, 2, 3, 3], { seed: 2 });\nconst n = 4;")
    assert state["backend"] == "cpu"
    assert rows(state)["x"] == {"name": "x", "shape": [1, 2, 8, 8], "bytes": 512, "backend": "cpu", "op": None}
    assert "n" not in rows(state)
    state = run(kernel, "const y = conv2d(x, w, { padding: 1 });\nconst alias = y;")
    assert rows(state)["y"] == {"name": "y", "shape": [1, 3, 8, 8], "bytes": 768, "backend": "cpu", "op": "conv2d"}
    assert [row["name"] for row in state["tensors"]] == sorted(row["name"] for row in state["tensors"])
    # x, w and y; alias is y, counted once.
    assert state["memory"] == {"bytes": 512 + 216 + 768, "count": 3}
    assert state["renderer"] is None or isinstance(state["renderer"], str)
    # A cell that fails still sends the state (the variables defined before the error stay).
    reply, messages = execute(kernel, "const z = zeros([2]);\nthrow new Error('boom');")
    assert reply["status"] == "error"
    assert any(d.get("event") == "state" for d in comm_data(messages, inspector))


def test_the_state_on_request_and_after_a_backend_change(kernel, inspector):
    state = run(kernel, "useBackend('wasm');\nconst v = conv2d(randn([1, 1, 8, 8], { seed: 3 }), randn([1, 1, 3, 3], { seed: 4 }));")
    assert state["backend"] == "wasm"
    assert rows(state)["v"]["op"] == "conv2d"
    # Where v's values were computed: the backend the op ran on, as its provenance says.
    assert rows(state)["v"]["backend"] == "wasm"
    again = ask(kernel, inspector, {"request": "state"})
    assert again == state


def test_the_featuremap_request_answers_the_display_bundle(kernel, inspector):
    run(kernel, "const f = conv2d(randn([1, 1, 6, 6], { seed: 4 }), randn([2, 1, 3, 3], { seed: 5 }));\nconst s = 'text';\nconst e = zeros([1, 0, 4, 4]);")
    answer = ask(kernel, inspector, {"request": "featuremap", "id": 11, "name": "f"})
    assert answer["event"] == "featuremap" and answer["id"] == 11 and answer["name"] == "f"
    payload = answer["bundle"]["data"][FEATURE_MAP]
    assert [p["role"] for p in payload["panels"]] == ["input", "kernel", "output"]
    assert all(p["ref"] for p in payload["panels"])
    assert {"text/html", "image/png", "text/plain"} <= set(answer["bundle"]["data"])
    # The same bundle a cell's display(f) sends.
    _, messages = execute(kernel, "display(f)")
    [shown] = [m["content"] for m in messages if m["msg_type"] == "display_data"]
    assert shown["data"][FEATURE_MAP] == payload
    for name, error in [("missing", "no variable named"), ("s", "not a Tensor"), ("e", "empty tensor")]:
        answer = ask(kernel, inspector, {"request": "featuremap", "id": 12, "name": name})
        assert answer["id"] == 12 and "bundle" not in answer and error in answer["error"], answer


def test_the_value_request_answers_exact_values_of_a_downsampled_map(kernel, inspector):
    reply, messages = execute(kernel, "const big = randn([1, 1, 1200, 1200], { seed: 6 });\ndisplay(big);\nconsole.log(JSON.stringify([big.data[0], big.data[1199 * 1200 + 1199], big.data[123 * 1200 + 457]]))")
    assert reply["status"] == "ok", messages
    [shown] = [m["content"] for m in messages if m["msg_type"] == "display_data"]
    [panel] = shown["data"][FEATURE_MAP]["panels"]
    # The payload holds block means at a lower resolution: the exact values come from the kernel.
    assert panel["maps"][0]["height"] < 1200 and "downsampled" in panel["maps"][0]
    expected = [float(v) for v in next(m for m in messages if m["msg_type"] == "stream")["content"]["text"].strip()[1:-1].split(",")]
    for i, (row, col) in enumerate([(0, 0), (1199, 1199), (123, 457)]):
        answer = ask(kernel, inspector, {"request": "value", "id": i, "ref": panel["ref"], "map": 0, "index": [row, col]})
        # Exact: the float32 value itself, not a quantized or block-mean one.
        assert answer == {"event": "value", "id": i, "value": expected[i]}, answer
    answer = ask(kernel, inspector, {"request": "value", "id": 9, "ref": panel["ref"], "map": 0, "index": [1200, 0]})
    assert answer["id"] == 9 and "value" not in answer and "index expected [row, col] within the 1200×1200 map" in answer["error"]
    answer = ask(kernel, inspector, {"request": "value", "id": 10, "ref": panel["ref"], "map": 1, "index": [0, 0]})
    assert "map expected a map index in 0…0" in answer["error"]


@pytest.mark.parametrize(
    "data, has_id, error",
    [
        ({}, False, "request expected 'state', 'featuremap' or 'value'"),
        ({"request": "drop tables", "id": 1}, True, "request expected"),
        ({"request": "featuremap", "id": 2**80, "name": "x"}, False, "id expected an integer"),
        ({"request": "featuremap", "id": "7", "name": "x"}, False, "id expected an integer"),
        ({"request": "featuremap", "id": 1, "name": ["x"]}, True, "name expected a string"),
        ({"request": "featuremap", "id": 1, "name": "x" * 100_000}, True, "name expected a string of 1…1000 characters"),
        ({"request": "value", "id": 1, "ref": "deadbeef-1", "map": 0, "index": [0, 0]}, True, "ref expected the ref of a tensor this kernel showed"),
        ({"request": "value", "id": 1, "ref": "r", "map": None, "index": [0, 0]}, True, "map expected an integer"),
        ({"request": "value", "id": 1, "ref": "r", "map": 0, "index": {"row": 0}}, True, "index expected [row, col]"),
        ({"request": "value", "id": 1, "ref": "r", "map": 0, "index": [0] * 100_000}, True, "index expected [row, col]"),
    ],
)
def test_hostile_requests_get_errors_and_the_kernel_keeps_its_variables(kernel, inspector, data, has_id, error):
    run(kernel, "const kept = tensor([1, 2, 3]);")
    answer = ask(kernel, inspector, data)
    assert answer["event"] in ("error", "value") and error in answer["error"], answer
    assert ("id" in answer) == has_id
    assert len(answer["error"]) < 2000
    reply, messages = execute(kernel, "console.log(kept.data[2])")
    assert reply["status"] == "ok" and [m["content"]["text"] for m in messages if m["msg_type"] == "stream"] == ["3\n"]


def test_a_message_that_is_no_object_is_answered_too(kernel, inspector):
    for data in [None, [1, 2], "state", 42]:
        answer = ask(kernel, inspector, data)
        assert answer["event"] == "error" and "request expected" in answer["error"]


def test_a_closed_inspector_gets_no_more_state(kernel):
    comm_id, _ = open_inspector(kernel)
    msg = kernel.session.msg("comm_close", {"comm_id": comm_id, "data": {}})
    kernel.shell_channel.send(msg)
    iopub_of(kernel, msg["header"]["msg_id"])
    _, messages = execute(kernel, "const later = zeros([1]);")
    assert comm_data(messages, comm_id) == []


@pytest.mark.skipif(os.environ.get("CONVLAB_GPU") == "0", reason="CONVLAB_GPU=0: the gpu backend is not set up")
def test_a_gpu_resident_result_is_listed_as_gpu_with_the_renderer(kernel, inspector):
    reply, messages = execute(kernel, "useBackend('gpu'); setGpuPipeline(true);\nconst g = relu(conv2d(randn([1, 1, 16, 16], { seed: 7 }), randn([4, 1, 3, 3], { seed: 8 })));\nconsole.log(g.device)")
    assert reply["status"] == "ok", messages
    [device] = [m["content"]["text"].strip() for m in messages if m["msg_type"] == "stream"]
    [state] = [d for d in comm_data(messages, inspector) if d["event"] == "state"]
    assert device.startswith("gpu"), f"pipeline mode keeps results on the device, got {device}"
    # relu has no provenance: op null (the conv inside it is not a variable).
    assert rows(state)["g"] == {"name": "g", "shape": [1, 4, 14, 14], "bytes": 4 * 14 * 14 * 4, "backend": "gpu", "op": None}
    assert state["backend"] == "gpu" and isinstance(state["renderer"], str) and state["renderer"]
    run(kernel, "useBackend('cpu'); setGpuPipeline(false);")

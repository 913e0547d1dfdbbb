"""`explore` against the real kernel, as the widget frontend meets it: a cell ending in `explore(x)` opens its models
and shows the root box; a frontend `update` on the stride slider's comm answers, under that message, with the
Output model's new maps (the feature map of the library's conv2d for the new stride, its focus clamped into the
smaller output) and the formula line's new text; a refused combination answers with the library's error in the
error line and leaves the maps alone. The values are checked against what the same kernel prints for conv2d."""
import base64
import html
import json
import re
import struct

from conftest import execute, send_comm
from test_widgets import opened

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FEATURE_MAP = "application/vnd.convlab.featuremap.v1+json"


def printed(messages):
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")


def updates(messages, comm_id):
    """The `update` states sent on one comm among `messages`."""
    return [m["content"]["data"]["state"] for m in messages
            if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id and m["content"]["data"].get("method") == "update"]


def f32(map_):
    raw = base64.b64decode(map_["data"])
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def test_explore_follows_a_frontend_update_with_the_librarys_maps_and_formula(kernel):
    setup = ("const xq = tensor(Array.from({ length: 64 }, (_, i) => (i * 3) % 10), [1, 1, 8, 8]);\n"
             "const wq = tensor([[[[1, 0, -1], [2, 0, -2], [1, 0, -1]]]]);\n"
             "console.log(JSON.stringify({ values: Array.from(conv2d(xq, wq, { stride: 3 }).data),"
             " formula: convInfo('conv2d', xq.shape, wq.shape, { stride: 3 }).axes[0].formula }));\n"
             "try { conv2d(xq, wq, { dilation: 4 }); } catch (e) { console.log((e as Error).message); }")
    reply, messages = execute(kernel, setup)
    assert reply["status"] == "ok", messages
    lines = printed(messages).splitlines()
    library = json.loads(lines[0])
    refusal = lines[1]
    assert refusal.startswith("conv2d: ")

    reply, messages = execute(kernel, "explore(xq, wq, { position: 35 })")
    assert reply["status"] == "ok", messages
    opens = opened(messages)
    states = {cid: m["content"]["data"]["state"] for cid, m in opens.items()}
    root = next(m for m in messages if m["msg_type"] == "execute_result")["content"]["data"][WIDGET_VIEW]["model_id"]
    assert states[root]["_model_name"] == "VBoxModel"
    control = {s["description"]: cid for cid, s in states.items() if s.get("description") and s["_model_name"] != "LayoutModel"}
    output = next(cid for cid, s in states.items() if s["_model_name"] == "OutputModel")
    formula, error = [cid for cid, s in states.items() if s["_model_name"] == "HTMLModel"]
    # The last cell of the 6×6 valid output is in focus.
    first = [u["outputs"] for u in updates(messages, output) if "outputs" in u][-1]
    assert first[-1]["data"][FEATURE_MAP]["window"]["focus"] == [5, 5]

    # The frontend moves stride to 3: a 2×2 output, position clamped from 35 to 3.
    answer = send_comm(kernel, "comm_msg", {"comm_id": control["stride"],
                                            "data": {"method": "update", "state": {"value": 3}, "buffer_paths": []}})
    shown = [u["outputs"] for u in updates(answer, output) if "outputs" in u][-1]
    assert len(shown) == 1
    payload = shown[0]["data"][FEATURE_MAP]
    assert payload["panels"][-1]["shape"] == [1, 1, 2, 2]
    assert f32(payload["panels"][-1]["maps"][0]) == library["values"]
    assert payload["window"]["stride"] == [3, 3] and payload["window"]["focus"] == [1, 1]
    assert {"text/html", "image/png", "text/plain"} <= set(shown[0]["data"])
    position = updates(answer, control["position"])
    assert position and position[-1]["max"] == 3 and position[-1].get("value", 3) == 3
    text = updates(answer, formula)[-1]["value"]
    assert library["formula"] in text and "position 3 → output (row 1, col 1)" in text

    # A dilation the 8×8 input cannot hold: the library's message in the error line, no new maps.
    answer = send_comm(kernel, "comm_msg", {"comm_id": control["stride"],
                                            "data": {"method": "update", "state": {"value": 1}, "buffer_paths": []}})
    answer = send_comm(kernel, "comm_msg", {"comm_id": control["dilation"],
                                            "data": {"method": "update", "state": {"value": 4}, "buffer_paths": []}})
    assert not [u for u in updates(answer, output) if "outputs" in u]
    said = updates(answer, error)[-1]["value"]
    assert html.unescape(re.sub(r"<[^>]*>", "", said)) == refusal

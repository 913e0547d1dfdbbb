"""Requests sized far beyond what they show, in a real kernel: refused or summarised at once, with small replies,
and the kernel (and its variables) still there afterwards. The unit tests count the work
(test/unit/shapes/allocation.test.ts, test/unit/display/bounds.test.ts); this checks the same through the protocol."""
import json

from conftest import execute

FEATURE_MAP = "application/vnd.convlab.featuremap.v1+json"
# Each of these took from 10 s to minutes, and gigabytes, when the checks came after the work.
QUICK = 20


def run_keeping_a_variable(kernel, name, code):
    """Defines `name` in one cell, runs `code` in the next (quickly), checks `name` is still defined; returns
    the reply and messages of `code`."""
    reply, _ = execute(kernel, f"const {name} = 41 + 1;")
    assert reply["status"] == "ok"
    result = execute(kernel, code, timeout=QUICK)
    reply, messages = execute(kernel, name, timeout=QUICK)
    values = [m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result"]
    assert reply["status"] == "ok" and values == ["42"]
    return result


def test_a_huge_pad_is_refused_at_once_and_the_kernel_keeps_its_variables(kernel):
    reply, _ = run_keeping_a_variable(kernel, "beforePad", "pad(zeros([1, 1, 2, 2]), 1e9)")
    assert reply["status"] == "error"
    assert reply["ename"] == "ConvLabError"
    assert reply["evalue"].startswith("pad: shape expected at most 2147483648 bytes")
    assert "[1,1,2000000002,2000000002]" in reply["evalue"]
    assert "setAllocationLimit(bytes)" in reply["evalue"]


def test_an_empty_tensor_with_ten_million_rows_prints_a_short_summary(kernel):
    reply, messages = run_keeping_a_variable(kernel, "beforeRows", "zeros([1e7, 0])")
    assert reply["status"] == "ok"
    results = [m for m in messages if m["msg_type"] == "execute_result"]
    assert len(results) == 1
    text = results[0]["content"]["data"]["text/plain"]
    assert len(text) < 2000
    assert text.startswith("Tensor [10000000,0] float32")
    assert "..." in text
    assert len(json.dumps(results[0]["content"])) < 10_000


def test_displaying_ten_million_empty_maps_sends_a_bounded_payload(kernel):
    reply, messages = run_keeping_a_variable(kernel, "beforeMaps", "display(zeros([1, 1e7, 0, 0]))")
    assert reply["status"] == "ok"
    shown = [m for m in messages if m["msg_type"] == "display_data"]
    assert len(shown) == 1
    content = shown[0]["content"]
    assert len(json.dumps(content)) < 50_000
    assert content["data"]["text/plain"].startswith("Tensor [1,10000000,0,0] float32")
    payload = content["data"][FEATURE_MAP]
    assert len(payload["panels"][0]["maps"]) == 64
    assert payload["notes"][0].startswith("tensor: showing the first 64 of 10000000 maps")

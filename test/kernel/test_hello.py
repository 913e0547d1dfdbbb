"""The foundation slice end to end on real components: the installed kernelspec, the kernel speaking the
Jupyter protocol over ZeroMQ, and the bundle it sends for a conv2d result."""
import base64
import json
import os
import struct

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from conftest import ROOT, execute

FEATURE_MAP = "application/vnd.convlab.featuremap.v1+json"
WORKED_EXAMPLE = """\
const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
const w = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
const y = conv2d(x, w);
display(y);
"""


def decode(feature_map):
    """A feature map's values as rows of floats."""
    raw = base64.b64decode(feature_map["data"])
    values = struct.unpack(f"<{len(raw) // 4}f", raw)
    width = feature_map["width"]
    return [list(values[r * width:(r + 1) * width]) for r in range(feature_map["height"])]


def test_kernelspec_is_installed_in_the_project_environment():
    spec = KernelSpecManager().get_kernel_spec("convlab")
    assert spec.display_name == "TypeScript (ConvLab)"
    assert spec.language == "typescript"
    assert spec.resource_dir.startswith(os.path.join(ROOT, ".venv"))
    assert spec.argv[-1] == "{connection_file}"


def test_prelude_names_need_no_import(kernel):
    reply, messages = execute(kernel, "console.log(typeof tensor, typeof conv2d, typeof display)")
    assert reply["status"] == "ok"
    assert [m["content"]["text"] for m in messages if m["msg_type"] == "stream"] == ["function function function\n"]


def test_conv2d_display_sends_one_bundle_with_its_fallbacks(kernel):
    reply, messages = execute(kernel, WORKED_EXAMPLE)
    assert reply["status"] == "ok", messages
    displays = [m for m in messages if m["msg_type"] == "display_data"]
    assert len(displays) == 1
    data = displays[0]["content"]["data"]
    # The vendor JSON for the extension; a labelled HTML figure and a PNG for nbconvert, GitHub and other viewers.
    assert set(data) == {FEATURE_MAP, "text/html", "image/png", "text/plain"}
    assert "<b>input [1,1,4,4]</b>" in data["text/html"] and "kernel 3×3" in data["text/html"]

    payload = data[FEATURE_MAP]
    assert [p["role"] for p in payload["panels"]] == ["input", "kernel", "output"]
    assert [p["shape"] for p in payload["panels"]] == [[1, 1, 4, 4], [1, 1, 3, 3], [1, 1, 2, 2]]
    assert decode(payload["panels"][2]["maps"][0]) == [[348, 393], [528, 573]]
    assert decode(payload["panels"][0]["maps"][0])[3] == [13, 14, 15, 16]

    png = base64.b64decode(data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "[528, 573]" in data["text/plain"]


def test_a_cell_ending_in_a_tensor_shows_its_feature_map(kernel):
    reply, messages = execute(kernel, "y")
    assert reply["status"] == "ok"
    bundles = [m["content"]["data"] for m in messages if m["msg_type"] in ("display_data", "execute_result")]
    assert len(bundles) == 1 and FEATURE_MAP in bundles[0]


def test_a_bad_call_reports_a_clear_error_and_keeps_variables(kernel):
    reply, messages = execute(kernel, "conv2d(x, tensor([[[[1, 2], [3, 4]]], [[[1, 2], [3, 4]]]]), { groups: 2 })")
    assert reply["status"] == "error"
    errors = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "ConvLabError"
    assert errors[0]["evalue"].startswith("conv2d: options.groups expected a divisor of input channels (1)")
    # No wait here: only requests queued before the failure are aborted (ipykernel's rule), so the next one runs.
    reply, messages = execute(kernel, "console.log(y.shape.join('x'))")
    assert reply["status"] == "ok"
    assert messages[-1]["content"]["text"] == "1x1x2x2\n"


def test_hello_notebook_runs_top_to_bottom():
    path = os.path.join(ROOT, "notebooks", "00-hello.ipynb")
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata.kernelspec.name == "convlab"
    NotebookClient(notebook, timeout=120, kernel_name="convlab",
                   resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    bundles = [o["data"] for cell in notebook.cells if cell.cell_type == "code"
               for o in cell.outputs if o["output_type"] in ("display_data", "execute_result")]
    feature_maps = [b[FEATURE_MAP] for b in bundles if FEATURE_MAP in b]
    assert feature_maps, "the hello notebook shows no feature map"
    output_panel = feature_maps[0]["panels"][-1]
    assert decode(output_panel["maps"][0]) == [[348, 393], [528, 573]]
    assert all({"image/png", "text/plain"} <= set(b) for b in bundles if FEATURE_MAP in b)
    json.dumps(feature_maps)  # nbformat stores vendor JSON as JSON, not as a string

"""Every notebook runs top to bottom in the ConvLab kernel (nbclient), and its key outputs are checked.
A failing cell fails the test. The notebooks are the documentation, so these checks are the docs' tests."""
import base64
import copy
import glob
import os
import re
import struct
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "kernel", "python"))
from convlab.parameters import TypeScriptTranslator  # noqa: E402

FEATURE_MAP = "application/vnd.convlab.featuremap.v1+json"
SHAPE_TRACE = "application/vnd.convlab.shapetrace.v1+json"
ASSIGNMENT = "course/source/conv2d/conv2d.ipynb"
NOTEBOOKS = sorted(os.path.relpath(p, os.path.join(ROOT, "notebooks"))
                   for p in glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")) + [os.path.join(ROOT, "notebooks", ASSIGNMENT)])


# Notebooks whose full run is too long for every test run: their parameters are overridden as papermill does (an
# "injected-parameters" cell after the cell tagged "parameters"); the committed outputs are the full run's.
SHORT_RUNS = {"07-train-lenet.ipynb": {"trainPerDigit": 200, "testPerDigit": 50, "epochs": 3}}


def inject(notebook, parameters):
    """Inserts papermill's injected-parameters cell (written by ConvLab's translator) after the parameters cell."""
    at = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell(TypeScriptTranslator.codify(parameters, "Parameters (injected)"),
                                     metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(at + 1, cell)
    return notebook


def run(notebook, name):
    """Runs a notebook in its own folder, as JupyterLab would."""
    folder = os.path.dirname(os.path.join(ROOT, "notebooks", name))
    NotebookClient(notebook, timeout=300, kernel_name="convlab", resources={"metadata": {"path": folder}}).execute()
    return notebook


@pytest.fixture(scope="module")
def executed():
    """Each notebook, executed once, from a fresh copy of the committed file."""
    cache = {}

    def get(name):
        if name not in cache:
            notebook = nbformat.read(os.path.join(ROOT, "notebooks", name), as_version=4)
            cache[name] = run(inject(notebook, SHORT_RUNS[name]) if name in SHORT_RUNS else notebook, name)
        return cache[name]
    return get


def stream_text(notebook):
    return "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
                   if o.output_type == "stream")


def bundles(notebook, mime):
    return [o["data"][mime] for c in notebook.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type in ("display_data", "execute_result") and mime in o.get("data", {})]


def spatial(rows):
    return [row["outShape"][-1] for row in rows]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_every_rich_output_has_fallbacks(executed, name):
    notebook = executed(name)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{name}: {output.get('ename')}: {output.get('evalue')}"
            data = output.get("data", {})
            if FEATURE_MAP in data:
                assert {"text/html", "image/png", "text/plain"} <= set(data), f"{name}: a feature map without its fallbacks"
            if SHAPE_TRACE in data:
                assert {"text/html", "text/plain"} <= set(data), f"{name}: a shape trace without its fallbacks"


def test_padding_presets_and_modes(executed):
    text = stream_text(executed("01-padding.ipynb"))
    assert "floor((6 + 0 + 0 − 3) / 2) + 1 = 2" in text
    assert re.search(r"same\s+pads \[1,1\]\s+→ 210 321 432 543 654 65\n", text)
    assert re.search(r"same_lower\s+pads \[1,1\]\s+→ 210 321 432 543 654 65\n", text)
    assert "same       (k=2) → 21 32 43 54 65 6\n" in text
    assert "same_lower (k=2) → 10 21 32 43 54 65\n" in text
    assert re.search(r"causal\s+pads \[2,0\]\s+→ 100 210 321 432 543 654\n", text)
    assert "321 543 65\n" in text
    assert re.search(r"reflect\s+3 2 1 2 3 4 3 2 1\n", text)
    assert re.search(r"symmetric\s+2 1 1 2 3 4 4 3 2\n", text)
    assert re.search(r"crop\s+2 3 4 0 0\n", text)


def test_convolution_arithmetic(executed):
    text = stream_text(executed("02-convolution-arithmetic.ipynb"))
    assert "[ 1, 1, 26, 26 ]" in text
    assert re.search(r"padding 0\s+→ 1×1×2×2", text), "6×6 stride 2 must give 2×2"
    assert re.search(r"padding 1\s+→ 1×1×3×3", text)
    assert re.search(r"padding same\s+→ 1×1×3×3", text)
    worked = bundles(executed("02-convolution-arithmetic.ipynb"), FEATURE_MAP)[0]
    assert worked["panels"][-1]["shape"] == [1, 1, 2, 2]


def test_feature_maps(executed):
    notebook = executed("03-feature-maps.ipynb")
    maps = bundles(notebook, FEATURE_MAP)
    # The CC0 cat from notebooks/images, loaded with loadImage: an RGB image, drawn in colour beside its channels.
    assert maps[0]["panels"][0]["shape"] == [1, 3, 85, 128]
    assert maps[0]["panels"][0].get("rgb") is True
    assert "1.7777 (max pool)" in stream_text(notebook)
    assert any(len(m["panels"][-1]["maps"]) == 4 for m in maps), "the 4-filter bank shows 4 feature maps"
    assert "peak at 3" in stream_text(notebook)


def test_shape_traces(executed):
    traces = bundles(executed("04-shape-traces.ipynb"), SHAPE_TRACE)
    valid, same, lenet, failing = traces[:4]
    assert [valid["inputShape"][-1]] + spatial(valid["rows"]) == [20, 18, 14, 8]
    assert [same["inputShape"][-1]] + spatial(same["rows"]) == [20, 20, 20, 20]
    assert lenet["rows"][0]["outShape"] == [1, 6, 28, 28]
    assert [r["outShape"] for r in lenet["rows"] if r["op"] == "flatten"] == [[1, 400]]
    assert lenet["rows"][-1]["outShape"] == [1, 10]
    assert "error" in failing["rows"][-1] and failing["rows"][-1]["error"]



WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def f32_values(map_):
    """A feature map's float32 values (the payload's f32-base64 encoding)."""
    assert map_["encoding"] == "f32-base64"
    raw = base64.b64decode(map_["data"])
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def test_explore_notebook(executed):
    """Notebook 06: the printed arithmetic and the explorers' saved state (what nbclient keeps of the widgets) agree
    with what the markdown says: formulas, the reflect/zeros corner, the skipped column, the pool's refusal."""
    notebook = executed("06-explore.ipynb")
    text = stream_text(notebook)
    assert "same  pads 1+1: floor((6 + 1 + 1 − 3) / 1) + 1 = 6" in text
    assert "full  pads 2+2: floor((6 + 2 + 2 − 3) / 1) + 1 = 8" in text
    assert "corner with reflect: 0, with zeros: 14, inside: 6" in text
    assert "stride 3: floor((6 + 1 + 1 − 3) / 3) + 1 = 2  → output 1×1×2×2" in text
    assert "stride 4: floor((6 + 1 + 1 − 3) / 4) + 1 = 2  → output 1×1×2×2" in text
    assert "dilation 4: height floor((85 + 0 + 0 − 9) / 1) + 1 = 77 (effective kernel 4·(3−1)+1 = 9)" in text
    assert "[ [ -1, 0, 1 ], [ -1, 0, 1 ], [ -1, 0, 1 ] ]" in text
    assert "maxPool2d 2×2: 1×1×85×128 → 1×1×42×64" in text
    assert "maxPool2d: options.padding expected at most the effective kernel − 1 on each side (2 − 1 = 1)" in text
    # Each explorer cell shows a widget view whose model nbclient saved, with its whole tree of child models.
    state = notebook.metadata["widgets"][WIDGET_STATE]["state"]
    views = [o["data"][WIDGET_VIEW]["model_id"] for c in notebook.cells if c.cell_type == "code" for o in c.outputs
             if o.output_type == "execute_result" and WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 4 and all(state[v]["model_name"] == "VBoxModel" for v in views)

    def tree(model_id):
        children = state[model_id]["state"].get("children", [])
        return [model_id] + [m for child in children for m in tree(child.removeprefix("IPY_MODEL_"))]

    def explorer(view):
        models = [state[m] for m in tree(view)]
        formula = next(m["state"]["value"] for m in models if m["model_name"] == "HTMLModel" and "floor(" in m["state"]["value"])
        outputs = next(m["state"]["outputs"] for m in models if m["model_name"] == "OutputModel")
        assert len(outputs) == 1 and {FEATURE_MAP, "text/html", "image/png", "text/plain"} <= set(outputs[0]["data"])
        return formula, outputs[0]["data"][FEATURE_MAP]

    reflect, stride, dilated, pooled = (explorer(v) for v in views)
    # The reflect explorer: its output's corner is 0, every inside cell 6; the focus is on the corner.
    formula, payload = reflect
    assert "floor((6 + 1 + 1 − 3) / 1) + 1 = 6" in formula
    assert payload["window"]["paddingMode"] == "reflect" and payload["window"]["focus"] == [0, 0]
    values = f32_values(payload["panels"][-1]["maps"][0])
    assert values[0] == 0 and all(values[r * 6 + c] == 6 for r in range(1, 5) for c in range(1, 5))
    formula, payload = stride
    assert "floor((6 + 1 + 1 − 3) / 2) + 1 = 3" in formula and "position 4 → output (row 1, col 1)" in formula
    assert payload["window"]["focus"] == [1, 1]
    formula, payload = dilated
    assert "floor((85 + 4 + 4 − 9) / 1) + 1 = 85" in formula and payload["window"]["focus"] == [40, 60]
    assert payload["window"]["dilation"] == [4, 4] and payload["panels"][-1]["shape"] == [1, 1, 85, 128]
    formula, payload = pooled
    assert "floor((85 + 0 + 0 − 2) / 2) + 1 = 42" in formula and payload["op"] == "maxPool2d"
    assert payload["panels"][-1]["shape"] == [1, 1, 42, 64]

TRAINED = re.compile(r"test accuracy (?P<accuracy>[\d.]+)% on (?P<tested>\d+) held-out digits after (?P<epochs>\d+) "
                     r"epochs of (?P<trained>\d+) digits: (?P<seconds>[\d.]+) s")


def test_training_notebook_learns(executed):
    """The short run (injected parameters): LeNet-5 learns from 2,000 digits in 3 epochs, the loss falls, the
    loss curve and the first layer's filters before and after are shown, and the trace lists what ran."""
    notebook = executed("07-train-lenet.ipynb")
    text = stream_text(notebook)
    found = TRAINED.search(text)
    assert found, text
    assert (found["tested"], found["epochs"], found["trained"]) == ("500", "3", "2000"), "the injected parameters apply"
    assert float(found["accuracy"]) > 80, text
    epochs = [float(m) for m in re.findall(r"epoch \d+: loss ([\d.]+)", text)]
    assert len(epochs) == 3 and epochs[2] < epochs[0] < 2.3, text  # 2.3 = ln 10: guessing
    charts = [o["data"]["image/svg+xml"] for c in notebook.cells for o in c.get("outputs", [])
              if "image/svg+xml" in o.get("data", {})]
    assert len(charts) == 1 and "<polyline" in charts[0]
    maps = bundles(notebook, FEATURE_MAP)
    before, after = [m for m in maps if len(m["panels"]) == 3]
    assert before["panels"][1]["shape"] == after["panels"][1]["shape"] == [6, 1, 5, 5]
    assert before["panels"][1]["maps"] != after["panels"][1]["maps"], "training moved the filters"
    trace = bundles(notebook, SHAPE_TRACE)
    assert trace[0]["rows"][-1]["outShape"] == [16, 10], "the summary: LeNet-5 on a batch of 16"
    assert trace[-1]["source"] == "recorded" and trace[-1]["rows"][-1]["outShape"][-1] == 10


def test_training_notebook_full_run_is_committed():
    """The committed outputs are the full run's (the notebook's defaults): above 95% on held-out digits."""
    notebook = nbformat.read(os.path.join(ROOT, "notebooks", "07-train-lenet.ipynb"), as_version=4)
    found = TRAINED.search(stream_text(notebook))
    assert found, "run kernel/scripts/run-notebooks.py notebooks/07-train-lenet.ipynb and commit its outputs"
    assert float(found["accuracy"]) > 95 and int(found["trained"]) >= 3000


def test_assignment_passes_with_the_reference_solution(executed):
    text = stream_text(executed(ASSIGNMENT))
    for part in ["No padding", "Padding", "Padding and stride"]:
        assert f"{part}: every case passes." in text


def test_assignment_grading_cells_fail_a_wrong_solution(executed):
    notebook = copy.deepcopy(nbformat.read(os.path.join(ROOT, "notebooks", ASSIGNMENT), as_version=4))
    solution = next(c for c in notebook.cells if "solution" in c.metadata.get("tags", []))
    # A classic mistake: flipping the kernel (a true convolution instead of a cross-correlation).
    solution.source = solution.source.replace("* k[a]![b]!", "* k[F - 1 - a]![F - 1 - b]!")
    assert "k[F - 1 - a]" in solution.source
    with pytest.raises(CellExecutionError, match=r"the hand-checked case \(input 4×4, kernel 3×3, padding 0, stride 1\):\n"
                       r"first mismatch at output \(row 0, col 0\): expected 348\.0000, got 192\.0000\.\n"
                       r"That output is Σ x·k over input rows 0…2 and cols 0…2\.\n"):
        run(notebook, ASSIGNMENT)
    grader = next(c for c in notebook.cells if "tests" in c.metadata.get("tags", []))
    assert any(FEATURE_MAP in o.get("data", {}) for o in grader.outputs), "the grader shows a heatmap of the difference"


def test_report_template_is_parameterised_and_records_provenance(executed):
    notebook = executed("report-template.ipynb")
    assert [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])], "a cell tagged parameters"
    text = stream_text(notebook)
    assert '"backend":' in text and '"seed": 7' in text
    html = [o["data"]["text/html"] for c in notebook.cells for o in c.get("outputs", [])
            if "text/html" in o.get("data", {})]
    assert any("<table>" in h and ">[1,8,30,30]</td>" in h for h in html), "the results table"


@pytest.mark.parametrize("name", ["03-feature-maps.ipynb", "04-shape-traces.ipynb", "report-template.ipynb"])
def test_html_export_keeps_the_fallbacks(executed, name):
    body, _ = HTMLExporter().from_notebook_node(executed(name))
    if bundles(executed(name), FEATURE_MAP):
        assert "data:image/png;base64," in body
    if bundles(executed(name), SHAPE_TRACE):
        assert "<table" in body

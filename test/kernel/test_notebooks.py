"""Every notebook runs top to bottom in the ConvLab kernel (nbclient), and its key outputs are checked.
A failing cell fails the test. The notebooks are the documentation, so these checks are the docs' tests."""
import copy
import glob
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

from conftest import ROOT

FEATURE_MAP = "application/vnd.convlab.featuremap.v1+json"
SHAPE_TRACE = "application/vnd.convlab.shapetrace.v1+json"
ASSIGNMENT = "course/source/conv2d/conv2d.ipynb"
NOTEBOOKS = sorted(os.path.relpath(p, os.path.join(ROOT, "notebooks"))
                   for p in glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")) + [os.path.join(ROOT, "notebooks", ASSIGNMENT)])


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
            cache[name] = run(nbformat.read(os.path.join(ROOT, "notebooks", name), as_version=4), name)
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
                assert {"image/png", "text/plain"} <= set(data), f"{name}: a feature map without its fallbacks"
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
    assert maps[0]["panels"][0]["shape"] == [1, 1, 28, 28]
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

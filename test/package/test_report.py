"""Reports with papermill and nbconvert, as a researcher runs them (README: "Reports with papermill"): the wheel
and papermill from pip in a fresh environment (the `tools` fixture), the report template outside the repository.

- papermill finds the TypeScript translator through the convlab package's entry point, with no set-up;
- injected values arrive as typed TypeScript literals, exactly (strings with every kind of escape, numbers,
  booleans, null, nested arrays and objects), and override the parameters cell's defaults;
- the report runs with `-p`, `-y` and `-f`, and its HTML page has the new values, the figures and the table;
- the README's parameter sweep gives one executed notebook and one HTML page per run.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from conftest import ROOT, Env, run

TEMPLATE = ROOT / "notebooks" / "report-template.ipynb"
sys.path.insert(0, str(ROOT / "kernel" / "python"))  # the translator imports no papermill: it is tested here too
from convlab.parameters import TypeScriptTranslator  # noqa: E402


@pytest.mark.parametrize("value, literal", [
    (None, "null"), (True, "true"), (np.bool_(False), "false"), (-0.0, "-0.0"), (1e300, "1e+300"), (0.1, "0.1"),
    (np.float64(0.1), "0.1"), (np.int64(3), "3"), (np.float32(0.5), "0.5"), (2**53 - 1, "9007199254740991"),
    ('tab\t "q" \\ \u2028', '"tab\\t \\"q\\" \\\\ \\u2028"'), ((1, "a"), '[1, "a"]'),
    ({None: 1, True: 2, 3: "x"}, '{ "null": 1, "true": 2, "3": "x" }'), (datetime.date(2024, 1, 2), '"2024-01-02"'),
])
def test_translate_writes_typescript_literals(value: object, literal: str) -> None:
    assert TypeScriptTranslator.translate(value) == literal


def test_codify_keeps_string_literal_types_and_refuses_what_typescript_cannot_hold() -> None:
    code = TypeScriptTranslator.codify({"strides": [1, 3], "paddings": ["same"], "opts": {"a": [1]}, "none": []})
    assert code.splitlines()[1:] == ["const strides = [1, 3];", 'const paddings = ["same"] as const;',
                                     'const opts = { "a": [1] };', "const none = [] as never[];"]
    with pytest.raises(ValueError, match="'class' cannot name a TypeScript constant"):
        TypeScriptTranslator.codify({"class": 1})
    with pytest.raises(ValueError, match="beyond JavaScript's exact integers"):
        TypeScriptTranslator.codify({"seed": 2**60})
    with pytest.raises(TypeError, match=r"\{1, 2\} \(set\) has no TypeScript literal"):
        TypeScriptTranslator.codify({"s": {1, 2}})


def test_inspect_reads_one_line_declarations() -> None:
    cell = {"source": "const url = 'https://x.org/a'; // where // it is\nlet f: (a: number) => number = (a) => a;\n"
                      "// const commented = 1;\nconst n = -1.5e3\nconsole.log(url);"}
    found = [tuple(p) for p in TypeScriptTranslator.inspect(cell)]
    assert found == [("url", "string", "'https://x.org/a'", "where // it is"),
                     ("f", "(a: number) => number", "(a) => a", ""), ("n", "number", "-1.5e3", "")]


def joined(text: str | list[str]) -> str:
    """A notebook's multi-line string, which its JSON may store as a list of lines."""
    return "".join(text)


def code_outputs(notebook: dict) -> list[tuple[dict, list[dict]]]:
    return [(c, c["outputs"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def errors(notebook: dict) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for _, outs in code_outputs(notebook) for o in outs if o["output_type"] == "error"]


def stdout(notebook: dict) -> str:
    return "".join(joined(o["text"]) for _, outs in code_outputs(notebook) for o in outs
                   if o["output_type"] == "stream" and o["name"] == "stdout")


def parameters(notebook: dict) -> dict:
    """The parameters the report's provenance cell printed (its JSON is the last thing on stdout)."""
    text = stdout(notebook)
    return json.loads(text[text.index("{"):])["parameters"]


def html_outputs(notebook: dict) -> list[str]:
    return [joined(o["data"]["text/html"]) for _, outs in code_outputs(notebook) for o in outs if "text/html" in o.get("data", {})]


def papermill(tools: Env, cwd: Path, *args: str) -> dict:
    """Runs papermill (its translator found through the installed entry point) and reads the executed notebook."""
    tools.run("papermill", *args, cwd=cwd, timeout=600)
    return json.loads((cwd / args[1]).read_text())


def probe_notebook(where: Path) -> None:
    """A parameters cell with a default of each kind, a cell that needs the literal type of `padding`, and a cell
    that prints every value as JSON."""
    nb = nbformat.v4.new_notebook(metadata=json.loads(TEMPLATE.read_text())["metadata"])
    nb.cells = [
        nbformat.v4.new_code_cell(
            "const count = 1;\nconst ratio = 0.5;\nconst label = 'default';\nconst flag = false;\n"
            "const nothing: string | null = 'x';\nconst sizes = [1, 2];\nconst options = { padding: 'valid' } as const;\n"
            "const padding = 'valid';\nconst nan = 0;\nconst inf = 0;\nconst steps = [1, 2];",
            metadata={"tags": ["parameters"]},
        ),
        # Type-checked against the conv2d option types: a string would not do, the literal "same" does.
        nbformat.v4.new_code_cell("const y = conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), { padding: options.padding === padding ? padding : 'valid' });"),
        # An array of numbers stays a mutable number[], as its default was.
        nbformat.v4.new_code_cell("const total = ((s: number[]) => s.push(7))(steps);"),
        nbformat.v4.new_code_cell(
            "console.log(JSON.stringify({ count, ratio, label, flag, nothing, sizes, options, padding, "
            "nan: String(nan), inf: String(inf), shape: y.shape, steps }));"
        ),
    ]
    nbformat.write(nb, where)


def test_injected_values_arrive_as_typed_literals(tools: Env, tmp_path: Path) -> None:
    probe_notebook(tmp_path / "probe.ipynb")
    tricky = 'quote " apostrophe \' backslash \\ newline \n tab \t é ✓ 😀 ${x} `tick` </script> \u2028 \x00 end'
    values = {
        "count": 12345678901,
        "ratio": -1.25e-7,
        "label": tricky,
        "flag": True,
        "nothing": None,
        "sizes": [3, [4, 5], []],
        "options": {"padding": "same", "odd key": {"nested": [True, None, 2.5]}, "": "empty key"},
        "padding": "same",
        "steps": [5, 6],
    }
    # JSON is YAML. Written as UTF-8, since YAML reads an escaped emoji (a surrogate pair) as two lone surrogates;
    # but U+2028 stays escaped, since YAML reads it raw as a line break.
    (tmp_path / "params.yaml").write_text(json.dumps(values, ensure_ascii=False).replace("\u2028", "\\u2028"), encoding="utf-8")
    out = papermill(tools, tmp_path, "probe.ipynb", "probed.ipynb", "-f", "params.yaml", "-y", "{nan: .nan, inf: -.inf}")
    assert errors(out) == []
    injected = [joined(c["source"]) for c in out["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and injected[0].startswith("// Parameters")
    assert "const sizes = [3, [4, 5], []];" in injected[0] and '"": "empty key" } as const;' in injected[0]
    got = json.loads(stdout(out))
    assert {k: got[k] for k in values if k != "steps"} == {k: v for k, v in values.items() if k != "steps"}
    assert got["steps"] == [5, 6, 7]
    assert (got["nan"], got["inf"]) == ("NaN", "-Infinity")
    assert got["shape"] == [1, 1, 4, 4]  # padding 'same' reached conv2d


def test_help_notebook_lists_the_parameters_with_their_types_and_defaults(tools: Env, tmp_path: Path) -> None:
    (tmp_path / "report.ipynb").write_bytes(TEMPLATE.read_bytes())
    out = tools.run("papermill", "--help-notebook", "report.ipynb", cwd=tmp_path)
    assert "title: string (default 'stride and padding')" in out, out
    assert "seed: number (default 7)" in out, out
    assert "paddings: array (default ['valid', 'same'] as const)" in out, out


def test_the_report_takes_p_y_and_f_and_exports_to_html(tools: Env, tmp_path: Path) -> None:
    (tmp_path / "report.ipynb").write_bytes(TEMPLATE.read_bytes())
    (tmp_path / "sizes.yaml").write_text("imageSize: 20\nfilters: 4\n")
    out = papermill(tools, tmp_path, "report.ipynb", "out.ipynb", "-p", "seed", "11", "-p", "title", "seeds & <b>sizes</b>",
                    "-y", "strides: [1, 3]", "-f", "sizes.yaml")
    assert errors(out) == []
    # The provenance cell records the new values.
    assert parameters(out) == {"title": "seeds & <b>sizes</b>", "seed": 11, "inChannels": 3, "filters": 4,
                                        "kernelSize": 3, "imageSize": 20, "strides": [1, 3], "paddings": ["valid", "same"]}
    # The results table: a row per (stride, padding), its caption escaped, the shapes of a 20×20 input.
    table = next(h for h in html_outputs(out) if "<caption" in h and "conv2d of" in h)
    assert "seeds &amp; &lt;b&gt;sizes&lt;/b&gt;: conv2d of [1,3,20,20] by [4,3,3,3], seed 11" in table
    for shape in ["[1,4,18,18]", "[1,4,20,20]", "[1,4,6,6]", "[1,4,7,7]"]:
        assert f">{shape}</td>" in table, shape
    tools.run("jupyter", "nbconvert", "--to", "html", "out.ipynb", cwd=tmp_path)
    page = (tmp_path / "out.html").read_text()
    assert "seeds &amp; &lt;b&gt;sizes&lt;/b&gt;: conv2d of [1,3,20,20]" in page and "<b>sizes</b>" not in page
    assert page.count("data:image/png;base64,") >= 1  # the feature maps' static fallback
    assert "output size:" in page  # the shape trace's table
    assert '"seed": 11,' in page and '"strides": [\n      1,\n      3\n    ]' in page  # the provenance


def readme_sweep() -> str:
    """The README's parameter-sweep block (the fenced block after its `<!-- sweep -->` marker)."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- sweep[^>]*-->\s*```bash\n(.*?)```", readme, re.S)
    assert match, "README.md has no sweep block after <!-- sweep -->"
    return match.group(1)


def test_the_readme_sweep_gives_a_notebook_and_a_page_per_run(tools: Env, tmp_path: Path) -> None:
    (tmp_path / "report-template.ipynb").write_bytes(TEMPLATE.read_bytes())
    script = readme_sweep()
    run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=tools.environ(), timeout=900)
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    notebooks = [n for n in runs if n.endswith(".ipynb")]
    assert len(notebooks) == 4 and runs == sorted(notebooks + [n.replace(".ipynb", ".html") for n in notebooks])
    for name in notebooks:
        executed = json.loads((tmp_path / "runs" / name).read_text())
        assert errors(executed) == []
        seed, size = map(int, re.search(r"seed(\d+)-size(\d+)", name).groups())
        assert (parameters(executed)["seed"], parameters(executed)["imageSize"]) == (seed, size)
        assert "data:image/png;base64," in (tmp_path / "runs" / name.replace(".ipynb", ".html")).read_text()


def test_the_translator_module_doc_example_holds(tools: Env) -> None:
    out = tools.run("python", "-c", "import doctest, convlab.parameters as m; r = doctest.testmod(m); "
                    "print(r); assert r.attempted > 0 and r.failed == 0")
    assert "failed=0" in out


def test_the_translator_is_registered_whatever_is_imported_first(tools: Env) -> None:
    for first in ["import convlab.parameters; import papermill", "import papermill; import convlab.parameters"]:
        tools.run("python", "-c", f"{first}; from papermill.translators import papermill_translators as t; "
                  "from convlab.parameters import TypeScriptTranslator; "
                  "assert t.find_translator('convlab', 'typescript') is TypeScriptTranslator")


def test_the_commands_in_the_reports_own_introduction_work(tools: Env, tmp_path: Path) -> None:
    (tmp_path / "report-template.ipynb").write_bytes(TEMPLATE.read_bytes())
    intro = "".join(json.loads(TEMPLATE.read_text())["cells"][0]["source"])
    commands = re.search(r"```\n(.*?)```", intro, re.S).group(1)
    assert commands.startswith("papermill ") and "jupyter nbconvert --to html" in commands
    run(["bash", "-euo", "pipefail", "-c", commands], cwd=tmp_path, env=tools.environ(), timeout=600)
    executed = json.loads((tmp_path / "report-seed11.ipynb").read_text())
    given = parameters(executed)
    assert (given["seed"], given["imageSize"], given["paddings"]) == (11, 48, ["same"])
    assert ">[1,8,48,48]</td>" in (tmp_path / "report-seed11.html").read_text()


def test_training_notebook_takes_its_parameters_from_papermill(tools: Env, tmp_path: Path) -> None:
    """Notebook 07's parameters cell says papermill can override it (`papermill 07-train-lenet.ipynb out.ipynb -p
    epochs 1`): run exactly that, with a tiny data set, through the installed wheel's kernel and translator, in the
    notebooks folder (where the `mnist` package resolves, as in JupyterLab)."""
    out = papermill(tools, ROOT / "notebooks", "07-train-lenet.ipynb", str(tmp_path / "out.ipynb"),
                    "-p", "epochs", "1", "-p", "trainPerDigit", "20", "-p", "testPerDigit", "10")
    assert errors(out) == []
    assert re.search(r"test accuracy [\d.]+% on 100 held-out digits after 1 epochs of 200 digits", stdout(out)), stdout(out)
    assert len(re.findall(r"^epoch \d+:", stdout(out), re.M)) == 1

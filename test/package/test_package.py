"""`pip install convlab` as a user would: the built wheel in a fresh environment with stock JupyterLab, at the
oldest version the package claims and at the newest; then `pip uninstall`.

Run by `npm test` (test/run-all.sh). The wheel and sdist come from the `artifacts` fixture (conftest.py).
"""

from __future__ import annotations

import base64
import json
import re
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import ANSI, NODE, ROOT, Artifacts, Env, fresh_env, lab_range, oldest_lab, run, version

KERNELSPEC = "share/jupyter/kernels/convlab"
LABEXTENSION = "share/jupyter/labextensions/convlab-extension"
FEATUREMAP = "application/vnd.convlab.featuremap.v1+json"


def test_sdist_carries_the_sources_and_nothing_built(artifacts: Artifacts) -> None:
    with tarfile.open(artifacts.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in ["pyproject.toml", "package.json", "package-lock.json", "install.json", "kernel/src/index.ts",
                   "extension/src/index.ts", "extension/protocol/src/index.ts", "kernel/python/kernelspec/launch.py",
                   "kernel/scripts/package.cjs", "notebooks/00-hello.ipynb",
                   # notebook 03 loads it (loadImage), so a copy of the notebooks from the sdist runs
                   "notebooks/images/chelsea.png"]:
        assert needed in names, f"the sdist lacks {needed}"
    built = [n for n in names if re.match(r"(.*/)?(node_modules|dist|build|lib/labextension)/", n) or n.startswith(".venv/")]
    assert built == [], f"the sdist carries build outputs: {built[:5]}"


def test_wheel_carries_the_extension_and_the_kernelspec(artifacts: Artifacts) -> None:
    with zipfile.ZipFile(artifacts.wheel) as wheel:
        names = set(wheel.namelist())
        data = f"convlab-{version()}.data/data/"
        install = json.loads(wheel.read(data + LABEXTENSION + "/install.json"))
        spec = json.loads(wheel.read(data + KERNELSPEC + "/kernel.json"))
        metadata = wheel.read(f"convlab-{version()}.dist-info/METADATA").decode()
        entry_points = wheel.read(f"convlab-{version()}.dist-info/entry_points.txt").decode()
    assert install["packageManager"] == "python" and install["packageName"] == "convlab"
    assert "pip uninstall convlab" in install["uninstallInstructions"]
    assert data + LABEXTENSION + "/package.json" in names
    assert any(n.startswith(data + LABEXTENSION + "/static/remoteEntry.") for n in names)
    # The application plugin (panel, status bar, commands) is declared beside the renderers, with its settings.
    labext = json.loads(wheel_text(artifacts.wheel, data + LABEXTENSION + "/package.json"))
    assert labext["jupyterlab"]["extension"] and labext["jupyterlab"]["mimeExtension"], labext["jupyterlab"]
    assert data + LABEXTENSION + "/schemas/convlab-extension/plugin.json" in names
    # ipykernel's way: "python" becomes the server's interpreter, {resource_dir} the installed kernelspec.
    assert spec["argv"] == ["python", "{resource_dir}/launch.py", "{connection_file}"]
    assert spec["language"] == "typescript" and spec["display_name"] == "TypeScript (ConvLab)"
    for part in ["logo-svg.svg", "node/dist/launcher.js", "node/dist/index.d.ts", "node/package.json", "node/node_modules/tslab/package.json",
                 "node/node_modules/zeromq/package.json", "node/node_modules/@convlab/protocol/dist/index.js"]:
        assert data + KERNELSPEC + "/" + part in names, f"the wheel's kernelspec lacks {part}"
    # The optional native GPU packages are not carried (per platform, and gl compiles at install).
    assert not any("/node_modules/gl/" in n or "/node_modules/webgpu/" in n for n in names)
    assert f"Version: {version()}" in metadata
    # The Python side: papermill's translator (loaded through papermill's engine entry point) and nbgrader's settings.
    assert {"convlab/__init__.py", "convlab/parameters.py", "convlab/papermill_plugin.py", "convlab/grading.py"} <= names
    assert "[papermill.engine]\nconvlab = convlab.papermill_plugin:ConvLabEngine" in entry_points


def wheel_text(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name).decode()


def f32(encoded: str) -> list[float]:
    raw = base64.b64decode(encoded)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


@pytest.fixture(scope="class", params=["oldest", "newest"])
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Env:
    """A fresh environment with stock JupyterLab from pip (and nbclient): the oldest claimed, or the newest."""
    spec = f"jupyterlab=={oldest_lab()}" if request.param == "oldest" else f"jupyterlab{lab_range()}"
    env = fresh_env(tmp_path_factory.mktemp(f"lab-{request.param}") / "venv", spec, "nbclient")
    if request.param == "oldest":
        assert env.lab_version == oldest_lab()
    return env


class TestInstalledWheel:
    """In order: install, list, run with nbclient, draw in Chromium, uninstall."""

    def test_pip_install_alone_lists_the_kernelspec_and_the_extension(self, lab: Env, artifacts: Artifacts) -> None:
        lab.pip("install", "-q", str(artifacts.wheel))
        spec = lab.kernelspecs()["convlab"]
        assert Path(spec["resource_dir"]) == lab.root / KERNELSPEC
        assert spec["spec"]["display_name"] == "TypeScript (ConvLab)"
        assert (Path(spec["resource_dir"]) / "logo-svg.svg").is_file()  # the launcher's tile
        listed = [line.strip() for line in lab.labextensions().splitlines() if "convlab" in line]
        assert listed == [f"convlab-extension v{version()} enabled OK (python, convlab)"], lab.labextensions()

    def test_an_upgrade_in_place_keeps_both_listed(self, lab: Env, artifacts: Artifacts) -> None:
        # The README's upgrade command, over an installed copy (the same wheel again: files replaced, none left over).
        before = sorted(p.relative_to(lab.root) for p in (lab.root / KERNELSPEC).rglob("*"))
        lab.pip("install", "-q", "--upgrade", "--force-reinstall", "--no-deps", str(artifacts.wheel))
        assert sorted(p.relative_to(lab.root) for p in (lab.root / KERNELSPEC).rglob("*")) == before
        assert "convlab" in lab.kernelspecs()
        assert f"convlab-extension v{version()} enabled OK" in lab.labextensions()

    def test_nbclient_runs_the_hello_notebook(self, lab: Env, tmp_path: Path) -> None:
        # Outside the repository, so nothing can resolve from the project's node_modules.
        notebook = tmp_path / "00-hello.ipynb"
        notebook.write_bytes((ROOT / "notebooks" / "00-hello.ipynb").read_bytes())
        # One cell more, at the end: the README says that in a pip install the gpu backend's first op says what
        # is missing.
        lab.run("python", "-c", (
            "import nbformat, nbclient; nb = nbformat.read('00-hello.ipynb', as_version=4); "
            "nb.cells.append(nbformat.v4.new_code_cell(\"useBackend('gpu'); conv2d(tensor([[[[1]]]]), tensor([[[[1]]]]))\")); "
            "nbclient.NotebookClient(nb, kernel_name='convlab', timeout=180, allow_errors=True).execute(); "
            "nbformat.write(nb, 'executed.ipynb')"
        ), cwd=tmp_path)
        cells = [c for c in json.loads((tmp_path / "executed.ipynb").read_text())["cells"] if c["cell_type"] == "code"]
        errors = [(i, o) for i, c in enumerate(cells) for o in c["outputs"] if o["output_type"] == "error"]
        assert [i for i, _ in errors] == [len(cells) - 1], errors  # the hello cells ran clean
        assert "optional package gpu.js" in errors[0][1]["evalue"] and "useBackend('auto')" in errors[0][1]["evalue"]
        bundles = [o["data"][FEATUREMAP] for c in cells for o in c["outputs"] if FEATUREMAP in o.get("data", {})]
        assert len(bundles) == 1
        output = next(p for p in bundles[0]["panels"] if p["role"] == "output")
        assert f32(output["maps"][0]["data"]) == [348, 393, 528, 573]

    def test_nbclient_saves_the_state_of_the_kernels_widgets(self, lab: Env, tmp_path: Path) -> None:
        # What an exported page redraws its controls from (nbconvert embeds this state).
        lab.run("python", "-c", (
            "import nbformat, nbclient; nb = nbformat.v4.new_notebook(); "
            "nb.cells.append(nbformat.v4.new_code_cell(\"const k = intSlider({ value: 3, min: 1, max: 7 }); k.value = 5; k\")); "
            "nbclient.NotebookClient(nb, kernel_name='convlab', timeout=180).execute(); nbformat.write(nb, 'widgets.ipynb')"
        ), cwd=tmp_path)
        notebook = json.loads((tmp_path / "widgets.ipynb").read_text())
        state = notebook["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
        sliders = [m for m in state.values() if m["model_name"] == "IntSliderModel"]
        assert [(m["model_module"], m["state"]["value"], m["state"]["max"]) for m in sliders] == [("@jupyter-widgets/controls", 5, 7)]
        view = notebook["cells"][0]["outputs"][0]["data"]["application/vnd.jupyter.widget-view+json"]
        assert view["model_id"] in state

    def test_chromium_finds_the_heatmaps_drawn_by_the_extension(self, lab: Env) -> None:
        # The browser test of the hello notebook, against this environment's JupyterLab.
        out = run([str(ROOT / "node_modules" / ".bin" / "vitest"), "run", "--config", "test/vitest.e2e.config.mts",
                   "test/e2e/hello.test.ts"], cwd=ROOT, env={**lab.environ(), "CONVLAB_E2E_JUPYTER": str(lab.bin / "jupyter"),
                                                            "PATH": f"{Path(NODE).parent}:/usr/bin:/bin"})
        assert re.search(r"Tests\s+2 passed", ANSI.sub("", out)), out[-3000:]

    @pytest.mark.parametrize("test_file, name", [("widgets", "interact"), ("plugin", "status bar")])
    def test_chromium_draws_widgets_and_the_plugins_status_item(self, lab: Env, test_file: str, name: str) -> None:
        # The README's install: the wheel with the standard widget frontend from pip (`convlab[lab]` brings it);
        # the application plugin loads in this JupyterLab too (the oldest claimed shares older core packages).
        lab.pip("install", "-q", "jupyterlab_widgets>=3.0.10,<4")
        out = run([str(ROOT / "node_modules" / ".bin" / "vitest"), "run", "--config", "test/vitest.e2e.config.mts",
                   f"test/e2e/{test_file}.test.ts", "-t", name], cwd=ROOT,
                  env={**lab.environ(), "CONVLAB_E2E_JUPYTER": str(lab.bin / "jupyter"), "PATH": f"{Path(NODE).parent}:/usr/bin:/bin"})
        assert re.search(r"Tests\s+1 passed", ANSI.sub("", out)), out[-3000:]

    def test_pip_uninstall_leaves_nothing_behind(self, lab: Env) -> None:
        lab.pip("uninstall", "-y", "-q", "convlab")
        assert "convlab" not in lab.kernelspecs()
        assert "convlab" not in lab.labextensions()
        assert not (lab.root / KERNELSPEC).exists() and not (lab.root / LABEXTENSION).exists()

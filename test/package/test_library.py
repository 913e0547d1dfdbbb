"""The library as the npm package `convlab`, installed from its `npm pack` tarball into a scratch project as a
user would (`npm install <tarball>`): it type-checks under strict TypeScript, runs from CommonJS and from an
ES module, and brings no Jupyter dependency.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import NODE, ROOT, run, version

SCRIPT = """import { conv2d, tensor, type Tensor } from 'convlab';
const x: Tensor = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
const w = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
const y = conv2d(x, w, { stride: 1, padding: 0 });
console.log(JSON.stringify({ shape: y.shape, values: y.toArray() }));
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run(["npm", "run", "--silent", "pack:library"], cwd=ROOT)
    tarball = ROOT / "kernel" / "build" / f"convlab-{version()}.tgz"
    root = tmp_path_factory.mktemp("npm-scratch")
    dev = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    (root / "package.json").write_text(json.dumps({"name": "scratch", "private": True}))
    run(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", str(tarball),
         f"typescript@{dev['typescript']}", f"@types/node@{dev['@types/node']}"], cwd=root, timeout=600)
    (root / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
        "strict": True, "module": "commonjs", "target": "es2022", "esModuleInterop": True, "skipLibCheck": False}}))
    return root


def test_it_type_checks_and_runs_from_commonjs(project: Path) -> None:
    (project / "main.ts").write_text(SCRIPT)
    run([str(project / "node_modules" / ".bin" / "tsc"), "-p", "."], cwd=project)
    out = json.loads(run([NODE, "main.js"], cwd=project))
    assert out == {"shape": [1, 1, 2, 2], "values": [[[[348, 393], [528, 573]]]]}


def test_it_runs_from_an_es_module(project: Path) -> None:
    (project / "main.mjs").write_text(
        "import { conv2d, tensor } from 'convlab';\n"
        "console.log(JSON.stringify(conv2d(tensor([[[[1, 2], [3, 4]]]]), tensor([[[[1]]]])).toArray()));\n"
    )
    assert json.loads(run([NODE, "main.mjs"], cwd=project)) == [[[[1, 2], [3, 4]]]]


def test_its_types_catch_a_wrong_call(project: Path) -> None:
    (project / "wrong.ts").write_text("import { conv2d, tensor } from 'convlab';\nconv2d(tensor([1]), 'w');\n")
    out = run(["bash", "-c", "node_modules/.bin/tsc --noEmit wrong.ts --strict; test $? -ne 0"], cwd=project)
    assert "wrong.ts(2," in out and "TS2345" in out, out


def test_it_brings_no_jupyter_dependency(project: Path) -> None:
    installed = {p.name for p in (project / "node_modules").iterdir()} | {
        f"@{s.name}/{p.name}" for s in (project / "node_modules").glob("@*") for p in s.iterdir()}
    assert {"convlab", "pngjs", "jpeg-js"} <= installed, installed
    # The payload contract travels inside the package (bundled), as it is not published on its own.
    assert (project / "node_modules" / "convlab" / "node_modules" / "@convlab" / "protocol" / "package.json").is_file()
    for jupyter in ["tslab", "zeromq", "gpu.js", "gl", "webgpu"]:
        assert jupyter not in installed, f"{jupyter} was installed with the library"
    dist = project / "node_modules" / "convlab" / "dist"
    assert not (dist / "launcher.js").exists() and not (dist / "host.js").exists()

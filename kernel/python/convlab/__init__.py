"""ConvLab's Python package: it carries what Jupyter finds by location.

- the prebuilt JupyterLab extension, in ``share/jupyter/labextensions/convlab-extension``;
- the kernelspec ``convlab``, in ``share/jupyter/kernels/convlab``: ``kernel.json``, ``launch.py`` (finds
  Node.js 20+) and ``node/``, the kernel's JavaScript with its production dependencies.

Both are wheel data files, so ``pip install convlab`` is the whole installation and ``pip uninstall convlab``
removes both. Nothing here runs inside the kernel.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("convlab")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"


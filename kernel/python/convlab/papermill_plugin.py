"""Registers ConvLab's TypeScript parameter translator with papermill.

Papermill 2.x finds plug-ins only through its ``papermill.engine`` and ``papermill.io`` entry points; its
translators are a registry filled at import. So the ``convlab`` package declares an engine entry point named
``convlab`` that points here: when papermill loads its engines (``import papermill`` does), this module is
imported and registers :class:`~convlab.parameters.TypeScriptTranslator` for the language ``typescript``. The
engine is nbclient's, unchanged, so ``--engine convlab`` and papermill's default engine run a notebook alike.

Only papermill imports this module (while its engine registry is being built, which is why the imports below
name the submodules papermill has already defined).
"""

from papermill.engines import NBClientEngine
from papermill.translators import papermill_translators

from .parameters import LANGUAGE, TypeScriptTranslator

papermill_translators.register(LANGUAGE, TypeScriptTranslator)


class ConvLabEngine(NBClientEngine):
    """Papermill's nbclient engine under the name ``convlab``: the entry point that gets this module loaded."""

"""Papermill parameters for TypeScript notebooks (the ConvLab kernel, and any kernel whose language is
``typescript``).

Papermill 2.x finds plug-ins only through its ``papermill.engine`` and ``papermill.io`` entry points; its
translators are a registry filled at import. So the ``convlab`` package declares an engine entry point named
``convlab`` pointing here: when papermill loads its engines (``import papermill`` does), this module is imported
and registers :class:`TypeScriptTranslator` for the language ``typescript``. The engine itself is nbclient's,
unchanged, so ``--engine convlab`` and the default engine run a notebook the same way.

The injected cell redeclares each parameter with ``const``; the kernel (tslab's cell model) lets a later cell
redeclare a name, and later cells see the new value with the new value's type. Arrays and objects are written
``as const`` so that strings inside keep their literal types (``["same"] as const`` still fits a padding option
whose default was ``['valid', 'same'] as const``).

>>> print(TypeScriptTranslator.codify({"seed": 11, "name": 'say "hi"\\n', "strides": [1, 2], "fast": True}))
// Parameters
const seed = 11;
const name = "say \\"hi\\"\\n";
const strides = [1, 2] as const;
const fast = true;
<BLANKLINE>
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from papermill.engines import NBClientEngine
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

LANGUAGE = "typescript"

# `const name: Type = value; // help` on one line (a value over several lines is read up to the line's end).
DECLARATION = re.compile(
    r"^\s*(?:export\s+)?(?:const|let|var)\s+(?P<name>[A-Za-z_$][\w$]*)\s*"
    r"(?::\s*(?P<type>[^=]+?))?\s*=\s*(?P<value>.*?)\s*;?\s*(?://\s*(?P<help>.*))?$"
)


def _string(text: str) -> str:
    """A double-quoted TypeScript string: JSON's escapes, plus the two line separators JSON leaves raw."""
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class TypeScriptTranslator(Translator):
    """Writes papermill's parameters as typed TypeScript literals, one ``const`` per parameter."""

    @classmethod
    def translate_escaped_str(cls, str_val: Any) -> str:
        return _string(str(str_val))

    @classmethod
    def translate_none(cls, val: None) -> str:
        return "null"

    @classmethod
    def translate_int(cls, val: int) -> str:
        return str(val)

    @classmethod
    def translate_float(cls, val: float) -> str:
        if math.isnan(val):
            return "NaN"
        if math.isinf(val):
            return "Infinity" if val > 0 else "-Infinity"
        return repr(val)  # shortest round-trip form, e.g. 0.1, 1e-05, 1e+300: all valid number literals

    @classmethod
    def translate_list(cls, val: list) -> str:
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"

    @classmethod
    def translate_dict(cls, val: dict) -> str:
        if not val:
            return "{}"
        return "{ " + ", ".join(f"{_string(str(k))}: {cls.translate(v)}" for k, v in val.items()) + " }"

    @classmethod
    def comment(cls, cmt_str: str) -> str:
        return f"// {cmt_str}".strip()

    @classmethod
    def assign(cls, name: str, str_val: str) -> str:
        if not re.fullmatch(r"[A-Za-z_$][\w$]*", name):
            raise ValueError(f"papermill parameter {name!r} is not a TypeScript identifier (letters, digits, _ and $)")
        if str_val.startswith(("[", "{")):
            str_val += " as const"
        return f"const {name} = {str_val};"

    @classmethod
    def inspect(cls, parameters_cell: Any) -> list[Parameter]:
        """The declarations of a ``parameters`` cell, for ``papermill --help-notebook``."""
        found = []
        for line in parameters_cell["source"].splitlines():
            match = DECLARATION.match(line)
            if match:
                found.append(Parameter(
                    name=match["name"],
                    inferred_type_name=(match["type"] or "None").strip(),
                    default=match["value"],
                    help=(match["help"] or "").strip(),
                ))
        return found


class ConvLabEngine(NBClientEngine):
    """Papermill's nbclient engine under the name ``convlab``: the entry point that gets this module loaded."""


papermill_translators.register(LANGUAGE, TypeScriptTranslator)

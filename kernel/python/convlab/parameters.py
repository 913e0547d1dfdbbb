"""Papermill parameters for TypeScript notebooks (the ConvLab kernel, and any kernel whose language is
``typescript``): :class:`TypeScriptTranslator` writes the cell papermill injects after a notebook's
``parameters`` cell. ``papermill_plugin.py`` registers it with papermill; this module does not import papermill.

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

LANGUAGE = "typescript"

# `const name: Type = value; // help` on one line (a value over several lines is read up to the line's end).
DECLARATION = re.compile(
    r"^\s*(?:export\s+)?(?:const|let|var)\s+(?P<name>[A-Za-z_$][\w$]*)\s*"
    r"(?::\s*(?P<type>[^=]+?))?\s*=\s*(?P<value>.*?)\s*;?\s*(?://\s*(?P<help>.*))?$"
)
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def _string(text: str) -> str:
    """A double-quoted TypeScript string: JSON's escapes, plus the two line separators JSON leaves raw."""
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _literal_type(value: str) -> str:
    """The type a default's literal has, in TypeScript's words; "None" (papermill's "unknown") otherwise."""
    if re.fullmatch(r"-?(\d[\d_]*\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|NaN|Infinity)", value, re.I):
        return "number"
    kinds = {"'": "string", '"': "string", "`": "string", "[": "array", "{": "object"}
    if value[:1] in kinds:
        return kinds[value[0]]
    return {"true": "boolean", "false": "boolean", "null": "null"}.get(value, "None")


class TypeScriptTranslator:
    """Writes papermill's parameters as typed TypeScript literals, one ``const`` per parameter, and reads a
    ``parameters`` cell's declarations back (papermill's translator interface: ``codify`` and ``inspect``)."""

    @classmethod
    def translate(cls, val: Any) -> str:
        """A TypeScript literal for a value that YAML, JSON or papermill's ``-p`` gives."""
        if val is None:
            return "null"
        if isinstance(val, bool):  # before int: bool is an int in Python
            return "true" if val else "false"
        if isinstance(val, int):
            return str(val)
        if isinstance(val, float):
            if math.isnan(val):
                return "NaN"
            if math.isinf(val):
                return "Infinity" if val > 0 else "-Infinity"
            return repr(val)  # the shortest round-trip form: 0.1, 1e-05, 1e+300 are all number literals
        if isinstance(val, (list, tuple)):
            return "[" + ", ".join(cls.translate(v) for v in val) + "]"
        if isinstance(val, dict):
            return "{ " + ", ".join(f"{_string(str(k))}: {cls.translate(v)}" for k, v in val.items()) + " }" if val else "{}"
        return _string(str(val))  # str, and anything else YAML makes (a date) as its text

    @classmethod
    def codify(cls, parameters: dict, comment: str = "Parameters") -> str:
        """The injected cell's source."""
        lines = [f"// {comment}".strip()]
        for name, val in parameters.items():
            if not IDENTIFIER.fullmatch(name):
                raise ValueError(f"papermill parameter {name!r} is not a TypeScript identifier (letters, digits, _ and $, "
                                 "not starting with a digit)")
            literal = cls.translate(val)
            lines.append(f"const {name} = {literal}{' as const' if literal.startswith(('[', '{')) else ''};")
        return "\n".join(lines) + "\n"

    @classmethod
    def inspect(cls, parameters_cell: Any) -> list:
        """The one-line declarations of a ``parameters`` cell (``papermill --help-notebook``): name, the annotated
        type or the literal's, the default as written, and a trailing ``//`` comment as help."""
        from papermill.models import Parameter  # papermill is loaded whenever it asks

        found = []
        for line in parameters_cell["source"].splitlines():
            match = DECLARATION.match(line)
            if match:
                found.append(Parameter(
                    name=match["name"],
                    inferred_type_name=(match["type"] or _literal_type(match["value"])).strip(),
                    default=match["value"],
                    help=(match["help"] or "").strip(),
                ))
        return found

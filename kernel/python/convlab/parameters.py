"""Papermill parameters for TypeScript notebooks (the ConvLab kernel, and any kernel whose language is
``typescript``): :class:`TypeScriptTranslator` writes the cell papermill injects after a notebook's
``parameters`` cell. ``papermill_plugin.py`` registers it with papermill; this module does not import papermill.

The injected cell redeclares each parameter with ``const``; the kernel (tslab's cell model) lets a later cell
redeclare a name, and later cells see the new value with the new value's type. Arrays and objects holding
strings are written ``as const`` so that the strings keep their literal types (``["same"] as const`` still fits
a padding option whose default was ``['valid', 'same'] as const``); numbers stay ``number[]``.

>>> print(TypeScriptTranslator.codify({"seed": 11, "name": 'say "hi"\\n', "strides": [1, 2], "paddings": ["same"],
...                                   "fast": True, "limit": None}))
// Parameters
const seed = 11;
const name = "say \\"hi\\"\\n";
const strides = [1, 2];
const paddings = ["same"] as const;
const fast = true;
const limit = null;
<BLANKLINE>
"""

from __future__ import annotations

import datetime
import json
import math
import numbers
import re
from collections import namedtuple
from typing import Any

LANGUAGE = "typescript"

# `const name: Type = value; // help` on one line (`=>` may appear in the type; the help starts at the first `//`
# outside a string, found by `_split_comment`).
DECLARATION = re.compile(
    r"^\s*(?:export\s+)?(?:const|let|var)\s+(?P<name>[A-Za-z_$][\w$]*)\s*"
    r"(?::\s*(?P<type>(?:[^=]|=>)+?))?\s*=(?!>)\s*(?P<value>.*?)\s*;?\s*$"
)
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
# Words that cannot name a `const` (ECMAScript's reserved words, and strict mode's).
RESERVED = set(
    "break case catch class const continue debugger default delete do else enum export extends false finally for "
    "function if import in instanceof new null return super switch this throw true try typeof var void while with "
    "yield let static implements interface package private protected public await".split()
)
# What `inspect` returns: papermill's `Parameter` fields (papermill.models), so papermill prints it as its own.
Parameter = namedtuple("Parameter", ["name", "inferred_type_name", "default", "help"])
# Integers beyond this lose digits as JavaScript numbers.
MAX_SAFE_INTEGER = 2**53 - 1


def _string(text: str) -> str:
    """A double-quoted TypeScript string: JSON's escapes, plus the two line separators JSON leaves raw."""
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _split_comment(line: str) -> tuple[str, str]:
    """`code // help` → (`code`, `help`): the first `//` outside quotes starts the comment."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif line.startswith("//", i):
            return line[:i], line[i + 2:].strip()
        i += 1
    return line, ""


def _literal_type(value: str) -> str:
    """The type a default's literal has, in TypeScript's words; "None" (papermill's "unknown") otherwise."""
    if re.fullmatch(r"-?(\d[\d_]*\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|NaN|Infinity)", value, re.I):
        return "number"
    kinds = {"'": "string", '"': "string", "`": "string", "[": "array", "{": "object"}
    if value[:1] in kinds:
        return kinds[value[0]]
    return {"true": "boolean", "false": "boolean", "null": "null"}.get(value, "None")


def _has_string(val: Any) -> bool:
    if isinstance(val, str):
        return True
    if isinstance(val, dict):
        return any(_has_string(v) for v in val.values())
    return isinstance(val, (list, tuple)) and any(_has_string(v) for v in val)


class TypeScriptTranslator:
    """Writes papermill's parameters as typed TypeScript literals, one ``const`` per parameter, and reads a
    ``parameters`` cell's declarations back (papermill's translator interface: ``codify`` and ``inspect``)."""

    @classmethod
    def translate(cls, val: Any) -> str:
        """A TypeScript literal for a value that YAML, JSON, papermill's ``-p`` or Python code (numpy's scalars
        included) gives. Raises ``TypeError`` for what has no literal, ``ValueError`` for an integer that a
        JavaScript number cannot hold exactly."""
        if val is None:
            return "null"
        # Booleans (numpy's too) before integers: a bool is an int in Python.
        if isinstance(val, bool) or getattr(getattr(val, "dtype", None), "kind", "") == "b":
            return "true" if val else "false"
        if isinstance(val, numbers.Integral):
            if abs(int(val)) > MAX_SAFE_INTEGER:
                raise ValueError(f"papermill parameter value {int(val)} is beyond JavaScript's exact integers "
                                 f"(±{MAX_SAFE_INTEGER}); pass it as a string (-r name value) or a float")
            return str(int(val))
        if isinstance(val, numbers.Real):
            val = float(val)
            if math.isnan(val):
                return "NaN"
            if math.isinf(val):
                return "Infinity" if val > 0 else "-Infinity"
            return float.__repr__(val)  # the shortest round-trip form: 0.1, 1e-05, 1e+300 are number literals
        if isinstance(val, str):
            return _string(val)
        if isinstance(val, (list, tuple)):
            return "[" + ", ".join(cls.translate(v) for v in val) + "]"
        if isinstance(val, dict):
            return "{ " + ", ".join(f"{_string(cls._key(k))}: {cls.translate(v)}" for k, v in val.items()) + " }" if val else "{}"
        if isinstance(val, (datetime.date, datetime.time)):  # YAML's timestamps and dates
            return _string(val.isoformat())
        raise TypeError(f"papermill parameter value {val!r} ({type(val).__name__}) has no TypeScript literal; "
                        "use numbers, strings, booleans, null, lists and mappings")

    @classmethod
    def _key(cls, key: Any) -> str:
        """A mapping key as JavaScript spells it: YAML's `null:`, `on:` and `1:` keys become "null", "true", "1"."""
        return key if isinstance(key, str) else cls.translate(key).strip('"')

    @classmethod
    def codify(cls, parameters: dict, comment: str = "Parameters") -> str:
        """The injected cell's source: ``const name = literal;`` per parameter. Arrays and objects that hold
        strings are written ``as const`` (their strings keep literal types, e.g. padding modes); others stay
        mutable (``[1, 3]`` is a ``number[]``, as a default ``[1, 2]`` is); an empty array is a ``never[]``, which
        fits wherever an array of anything is expected."""
        lines = [f"// {comment}".strip()]
        for name, val in parameters.items():
            if not IDENTIFIER.fullmatch(name) or name in RESERVED:
                raise ValueError(f"papermill parameter {name!r} cannot name a TypeScript constant (letters, digits, _ "
                                 "and $, not starting with a digit, not a reserved word)")
            literal = cls.translate(val)
            if literal == "[]":
                literal += " as never[]"
            elif literal.startswith(("[", "{")) and _has_string(val):
                literal += " as const"
            lines.append(f"const {name} = {literal};")
        return "\n".join(lines) + "\n"

    @classmethod
    def inspect(cls, parameters_cell: Any) -> list:
        """The one-line declarations of a ``parameters`` cell (``papermill --help-notebook``): name, the annotated
        type or the literal's, the default as written, and a trailing ``//`` comment as help."""
        found = []
        for line in parameters_cell["source"].splitlines():
            code, help_text = _split_comment(line)
            match = DECLARATION.match(code)
            if match:
                found.append(Parameter(
                    name=match["name"],
                    inferred_type_name=(match["type"] or _literal_type(match["value"])).strip(),
                    default=match["value"],
                    help=help_text,
                ))
        return found

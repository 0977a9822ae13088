"""The keys of a scenario document that a sweep varies: finding one, and putting a value in.

Owns: ``locate`` (a --vary key checked against the document and the format's key table,
with errors that name the key and say "did you mean") and ``set_value``. What the format
allows under a key is read from the loader's table (pseudoalign.scenario.keys), never
declared here. Imports errors, scenario.keys, vary.
"""

from __future__ import annotations

from typing import Any

from ..errors import SweepError, did_you_mean
from ..scenario import keys as K
from .vary import show_json


def _fmt_path(parts) -> str:
    return ".".join(str(p) for p in parts)


def locate(doc: dict, vary_key: str, path: tuple) -> tuple:
    """Check that ``path`` names a value of the document (or a key of the format in a table it
    has) and return it as the document spells it (quoted keys with dots joined back).

    Raises SweepError naming the key, with "did you mean" where a close key exists.
    """
    node: Any = doc
    t: K.Type | None = K.SCENARIO  # the format's type of node; None where the format is silent
    out: list = []
    i = 0
    while i < len(path):
        part = path[i]
        here = _fmt_path(out) or "the document"
        if isinstance(node, list):
            if not isinstance(part, int):
                raise SweepError(f"--vary {vary_key}: {here} is a list; index it with a number "
                                 f"(0..{len(node) - 1})" if node else f"--vary {vary_key}: {here} is an empty list", vary_key)
            if part >= len(node):
                raise SweepError(f"--vary {vary_key}: {here} has {len(node)} item{'s' if len(node) != 1 else ''}"
                                 f" (indices from 0 to {len(node) - 1})" if node else
                                 f"--vary {vary_key}: {here} is an empty list", vary_key)
            node, t = node[part], t.child(part) if t else None
            out.append(part)
            i += 1
            continue
        if node is not None and not isinstance(node, dict):
            raise SweepError(f"--vary {vary_key}: {here} is a single value ({show_json(node)}), so it has no key {part!r}",
                             vary_key)
        table = node if isinstance(node, dict) else {}
        name = str(part)
        # a quoted key of the document may hold dots: take the longest run of parts that it names
        for j in range(len(path), i, -1):
            joined = _fmt_path(path[i:j])
            if joined in table:
                name, i_next = joined, j
                break
        else:
            i_next = i + 1
        declared = t.names() if t else ()
        if name in table:
            node = table[name]
        else:
            if name not in declared:
                close = did_you_mean(name, set(table) | set(declared))
                if close:
                    fixed = close.split("'")[1]
                    close = f" (did you mean '{_fmt_path(out + [fixed] + list(path[i + 1:]))}'?)"
                what = f"no key {name!r} in {here}" if out else f"no top-level key {name!r}"
                raise SweepError(f"--vary {vary_key}: {what}{close}", vary_key)
            node = None  # a key of the format that the file leaves out: the sweep puts it in
        t = t.child(name) if t else None
        out.append(name)
        i = i_next
    if isinstance(node, dict):
        inner = ", ".join(sorted(node)) or "nothing"
        raise SweepError(f"--vary {vary_key}: {_fmt_path(out)} is a table (holding {inner}); vary one of its values",
                         vary_key)
    return tuple(out)


def set_value(doc: dict, path: tuple, value: Any) -> None:
    """Put ``value`` at ``path`` (as returned by ``locate``), making missing tables on the way."""
    node = doc
    for part in path[:-1]:
        if isinstance(node, list):
            node = node[part]
        else:
            node = node.setdefault(part, {})
    node[path[-1]] = value

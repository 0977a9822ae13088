"""``--vary KEY=VALUES``: what a spec says, before it is checked against a scenario.

Owns: Vary, parsing a spec's key and values (comma lists, inclusive integer ranges), the
limit on the number of values, and how a value is shown in messages and tables.
Imports errors only.
"""

from __future__ import annotations

import json
import re
from typing import Any

from attrs import frozen

from ..errors import SweepError

MAX_POINTS = 100_000

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?")
_RANGE = re.compile(r"([+-]?\d+)\s*\.\.\s*([+-]?\d+)")


@frozen
class Vary:
    """One ``--vary``: the key as written, its path (ints for list indices) and its values."""

    key: str
    path: tuple
    values: tuple


def parse_value(text: str) -> Any:
    """A value of a comma list: an int, a float, true/false, else a string ("quotes" force a string)."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        return t[1:-1]
    if _INT.fullmatch(t):
        return int(t)
    if _FLOAT.fullmatch(t):
        return float(t)
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    return t


def parse_values(text: str, key: str = "") -> tuple:
    """``0,1,2,4`` or ``0..8`` (inclusive), or a comma list whose items may be ranges."""
    where = f"--vary {key}: " if key else ""
    if not text.strip():
        raise SweepError(f"{where}no values after '=' (e.g. {key or 'KEY'}=0,1,2 or {key or 'KEY'}=0..8)", key)
    out: list = []
    for item in text.split(","):
        if not item.strip():
            raise SweepError(f"{where}an empty value in the list {text!r}", key)
        m = _RANGE.fullmatch(item.strip())
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo > hi:
                raise SweepError(f"{where}the range {item.strip()} is empty (write it low..high, e.g. {hi}..{lo})", key)
            if hi - lo + 1 > MAX_POINTS:
                raise SweepError(f"{where}the range {item.strip()} has {hi - lo + 1:,} values, over the limit of {MAX_POINTS:,}", key)
            out.extend(range(lo, hi + 1))
        elif ".." in item and not (item.strip()[0] in "\"'"):
            raise SweepError(f"{where}{item.strip()!r} is not an integer range (a range is LOW..HIGH of integers, e.g. 0..8)", key)
        else:
            out.append(parse_value(item))
    seen = set()
    for v in out:
        tag = (type(v).__name__, repr(v))
        if tag in seen:
            raise SweepError(f"{where}the value {show_json(v)} is given twice", key)
        seen.add(tag)
    return tuple(out)


def split_key(key: str) -> tuple:
    """``deploy.place.1.units`` -> ('deploy', 'place', 1, 'units')."""
    if not key or any(not p for p in key.split(".")):
        raise SweepError(f"--vary {key}: a key is a dotted path like deploy.episodes or deploy.place.1.count", key)
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def parse_vary(spec: str) -> Vary:
    """``KEY=VALUES`` -> Vary (the key is not yet checked against a document)."""
    key, sep, values = spec.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SweepError(f"--vary {spec}: expected KEY=VALUES, e.g. deploy.episodes=1,2,4 or deploy.place.1.count=0..8",
                         key)
    return Vary(key, split_key(key), parse_values(values, key))


def show_json(v: Any) -> str:
    """A value in a message: strings, booleans and None as JSON spells them, numbers as Python does."""
    return json.dumps(v, ensure_ascii=False) if isinstance(v, (str, bool)) or v is None else repr(v)


def show_value(v: Any) -> str:
    """A value as a person writes it on the command line: 4, 0.5, true, map."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)

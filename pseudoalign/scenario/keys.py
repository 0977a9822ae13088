"""The keys of the scenario format, declared once: the loader checks files with them and
the JSON Schema is generated from them, so the two cannot drift.

Owns: value types (check, schema, the type of each part) and the table of every key. Imports
household (the items' placement keys and words), labels, vocab, expr, errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from attrs import frozen

from ..errors import did_you_mean
from ..household import ADDABLE, Item, Tag
from ..household import ITEMS as HOUSEHOLD_ITEMS
from ..labels import Label
from ..vocab import ACTIONS, DEFAULT_CRUMBS_PER_COOKIE, ITEMS, SURFACES, feature_problem
from . import expr as _expr

INVALID = object()


class Issue(Exception):
    """A problem with one value: ``path`` relative to the value checked."""

    def __init__(self, problem: str, hint: str = "", path: tuple[str | int, ...] = (), column: int | None = None) -> None:
        self.problem, self.hint, self.path, self.column = problem, hint, tuple(path), column
        super().__init__(problem)


#: Where nested problems go: (path relative to the value checked, its Issue).
Found = list[tuple[tuple[str | int, ...], Issue]]


def _type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


class Type:
    """A value type: ``check`` returns the normalised value or raises Issue; ``schema`` is JSON Schema."""

    def check(self, v: Any, out: Found) -> Any:  # out collects (path, Issue) of nested values
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def child(self, part: str | int) -> Type | None:
        """The type of the value at key or index ``part`` of a value of this type; None where
        the format says nothing (a plain value has no parts)."""
        return None

    def names(self) -> tuple[str, ...]:
        """The keys the format declares in a value of this type (a table's fields)."""
        return ()


@frozen
class Int(Type):
    lo: int | None = None
    hi: int | None = None

    def check(self, v: Any, out: Found) -> Any:
        if isinstance(v, bool) or not isinstance(v, int):
            raise Issue(f"expected an integer, found {_type_name(v)} {_show(v)}")
        if self.lo is not None and v < self.lo:
            raise Issue(f"must be at least {self.lo}, found {v}")
        if self.hi is not None and v > self.hi:
            raise Issue(f"must be at most {self.hi:,}, found {v:,}")
        return v

    def schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "integer"}
        if self.lo is not None:
            s["minimum"] = self.lo
        if self.hi is not None:
            s["maximum"] = self.hi
        return s


@frozen
class Bool(Type):
    def check(self, v: Any, out: Found) -> Any:
        if not isinstance(v, bool):
            raise Issue(f"expected true or false, found {_type_name(v)} {_show(v)}")
        return v

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@frozen
class Float(Type):
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def check(self, v: Any, out: Found) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise Issue(f"expected a number, found {_type_name(v)} {_show(v)}")
        v = float(v)
        if not math.isfinite(v):
            raise Issue(f"must be a finite number, found {v}")
        lo_bad = self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo)
        hi_bad = self.hi is not None and (v >= self.hi if self.hi_open else v > self.hi)
        if lo_bad or hi_bad:
            raise Issue(f"must be in {self.interval()}, found {v}")
        return v

    def interval(self) -> str:
        lo = "-inf" if self.lo is None else self.lo
        hi = "inf" if self.hi is None else self.hi
        return f"{'(' if self.lo_open else '['}{lo}, {hi}{')' if self.hi_open else ']'}"

    def schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "number"}
        if self.lo is not None:
            s["minimum"] = self.lo
            if self.lo_open:
                s["exclusiveMinimum"] = True
        if self.hi is not None:
            s["maximum"] = self.hi
            if self.hi_open:
                s["exclusiveMaximum"] = True
        return s


@frozen
class Str(Type):
    choices: tuple[str, ...] | None = None
    nonempty: bool = False
    pattern: str | None = None  # a regular expression the whole string must match
    pattern_doc: str = ""

    def check(self, v: Any, out: Found) -> Any:
        if not isinstance(v, str):
            raise Issue(f"expected a string, found {_type_name(v)} {_show(v)}")
        if self.choices is not None and v not in self.choices:
            raise Issue(f"{v!r} is not one of {', '.join(self.choices)}", did_you_mean(v, self.choices))
        if self.nonempty and not v.strip():
            raise Issue("must not be empty")
        if self.pattern is not None:
            import re

            if not re.fullmatch(self.pattern, v):
                raise Issue(f"{v!r} is not {self.pattern_doc}")
        return v

    def schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "string"}
        if self.choices is not None:
            s["enum"] = list(self.choices)
        if self.nonempty:
            s["minLength"] = 1
        if self.pattern is not None:
            s["pattern"] = f"^(?:{self.pattern})$"
        return s


@frozen
class Expr(Type):
    allow_final: bool = True

    def check(self, v: Any, out: Found) -> Any:
        if not isinstance(v, str):
            raise Issue(f"expected an expression string, found {_type_name(v)} {_show(v)}",
                        f'write it in quotes, e.g. "{v}"' if isinstance(v, (int, float)) and not isinstance(v, bool)
                        else 'e.g. "table.clean" or "2*event.clean - table.stains"')
        try:
            return _expr.parse(v, allow_final=self.allow_final)
        except _expr.ExprError as e:
            problem, _sep, hint = e.message.partition("; ")
            raise Issue(f"{problem} (column {e.column} of {v!r})", hint, column=e.column) from None

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "description": "a sum of terms: [number*]feature, final(feature), or a number"}


@frozen
class Range(Type):
    """An int, or ``[min, max]`` drawn uniformly; normalised to (min, max)."""

    lo: int = 0
    hi: int | None = None

    def check(self, v: Any, out: Found) -> Any:
        if isinstance(v, list):
            if len(v) != 2:
                raise Issue(f"a range is [min, max], found a list of {len(v)}")
            a = Int(self.lo, self.hi).check(v[0], out)
            b = Int(self.lo, self.hi).check(v[1], out)
            if a > b:
                raise Issue(f"a range is [min, max] with min <= max, found [{a}, {b}]")
            return (a, b)
        n = Int(self.lo, self.hi).check(v, out)
        return (n, n)

    def schema(self) -> dict[str, Any]:
        i = Int(self.lo, self.hi).schema()
        return {"oneOf": [i, {"type": "array", "items": i, "minItems": 2, "maxItems": 2}]}


@frozen
class Cell(Type):
    def check(self, v: Any, out: Found) -> Any:
        if not isinstance(v, list) or len(v) != 2 or any(isinstance(c, bool) or not isinstance(c, int) for c in v):
            raise Issue(f"a cell is [x, y] (column, row from 0), found {_show(v)}")
        return (v[0], v[1])

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2}


@frozen
class OneOrMany(Type):
    """A value of ``of``, or a list of them; normalised to a tuple."""

    of: Type
    is_many: Callable[[Any], bool] | None = None  # decides whether a list is many values or one value

    def check(self, v: Any, out: Found) -> Any:
        many = self.is_many(v) if self.is_many else isinstance(v, list)
        if many:
            if not v:
                raise Issue("must not be an empty list")
            return _check_items(self.of, v, out)
        return (self.of.check(v, out),)

    def schema(self) -> dict[str, Any]:
        one = self.of.schema()
        return {"oneOf": [one, {"type": "array", "items": one, "minItems": 1}]}

    def child(self, part: str | int) -> Type | None:
        return self.of if isinstance(part, int) else None


@frozen
class ListOf(Type):
    of: Type

    def check(self, v: Any, out: Found) -> Any:
        if not isinstance(v, list):
            raise Issue(f"expected a list, found {_type_name(v)} {_show(v)}")
        return _check_items(self.of, v, out)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.of.schema()}

    def child(self, part: str | int) -> Type | None:
        return self.of if isinstance(part, int) else None


def _check_items(of: Type, v: list[Any], out: Found) -> tuple[Any, ...]:
    result = []
    for i, x in enumerate(v):
        try:
            result.append(of.check(x, _Sub(out, (i,))))
        except Issue as e:
            out.append(((i,) + e.path, e))
            result.append(INVALID)
    return tuple(result)


@frozen
class Field:
    type: Type
    doc: str
    required: bool = False
    default: Any = None


class Checked(dict[str, Any]):
    """A checked table: ``get`` gives None for a value that failed its check (already reported),
    so code that builds values from it treats such a value as absent."""

    def get(self, key: Any, default: Any = None) -> Any:
        v = super().get(key, default)
        return None if v is INVALID else v


@frozen
class Table(Type):
    fields: dict[str, Field]
    doc: str = ""

    def check(self, v: Any, out: Found) -> Any:
        if not isinstance(v, dict):
            raise Issue(f"expected a table, found {_type_name(v)} {_show(v)}")
        result = Checked()
        for k, x in v.items():
            if k not in self.fields:
                out.append(((k,), Issue(f"unknown key (allowed: {', '.join(self.fields)})", did_you_mean(k, self.fields))))
                continue
            try:
                result[k] = self.fields[k].type.check(x, _Sub(out, (k,)))
            except Issue as e:
                out.append(((k,) + e.path, e))
                result[k] = INVALID
        for k, f in self.fields.items():
            if k not in v:
                if f.required:
                    out.append(((k,), Issue(f"this required key is missing ({f.doc})")))
                    result[k] = INVALID
                else:
                    result[k] = f.default
        return result

    def schema(self) -> dict[str, Any]:
        s = {
            "type": "object",
            "properties": {k: dict(f.type.schema(), description=f.doc) for k, f in self.fields.items()},
            "additionalProperties": False,
        }
        req = [k for k, f in self.fields.items() if f.required]
        if req:
            s["required"] = req
        if self.doc:
            s["description"] = self.doc
        return s

    def child(self, part: str | int) -> Type | None:
        f = self.fields.get(part) if isinstance(part, str) else None
        return f.type if f else None

    def names(self) -> tuple[str, ...]:
        return tuple(self.fields)


@frozen
class MapOf(Type):
    """A table whose keys are names the user chooses."""

    of: Type
    key_problem: Callable[[str], str | None] | None = None  # name -> problem text or None
    doc: str = ""

    def check(self, v: Any, out: Found) -> Any:
        if not isinstance(v, dict):
            raise Issue(f"expected a table, found {_type_name(v)} {_show(v)}")
        result = {}
        for k, x in v.items():
            if self.key_problem is not None:
                p = self.key_problem(k)
                if p:
                    out.append(((k,), Issue(p)))
                    continue
            try:
                result[k] = self.of.check(x, _Sub(out, (k,)))
            except Issue as e:
                out.append(((k,) + e.path, e))
        return result

    def schema(self) -> dict[str, Any]:
        s = {"type": "object", "additionalProperties": self.of.schema()}
        if self.doc:
            s["description"] = self.doc
        return s

    def child(self, part: str | int) -> Type | None:
        return self.of


class _Sub(list[tuple[tuple[str | int, ...], Issue]]):
    """Collects nested issues under a key prefix."""

    def __init__(self, parent: Found, prefix: tuple[str | int, ...]) -> None:
        super().__init__()
        self.parent, self.prefix = parent, prefix

    def append(self, item: tuple[tuple[str | int, ...], Issue]) -> None:
        path, issue = item
        self.parent.append((self.prefix + tuple(path), issue))


# -- the format --------------------------------------------------------------------------

NAME = r"[A-Za-z0-9_]+"
MAX_EPISODES = 1_000  # per distribution
MAX_EPISODE_LENGTH = 1_000  # steps
MAX_UNITS = 99  # of an item on one cell, per placement
MAX_CRUMBS_PER_COOKIE = 20
MAX_STAKE = 1e9  # what a correction costs: bounded like every number, so sums stay finite


def _legend_key_problem(k: str) -> str | None:
    from ..vocab import GLYPHS, WALL

    if len(k) != 1:
        return f"a legend glyph is one character, found {k!r}"
    if k in GLYPHS or k == WALL:
        return f"{k!r} is a built-in glyph and cannot be redefined"
    if k.isspace():
        return "a legend glyph cannot be white space"
    return None


def _objective_name_problem(k: str) -> str | None:
    import re

    return None if re.fullmatch(NAME, k) else f"an objective name is letters, digits and _, found {k!r}"


def _belief_key_problem(k: str) -> str | None:
    p = feature_problem(k)
    return f"beliefs are keyed by features: {p}" if p else None


def _units_doc() -> str:
    words = [i.units for i in HOUSEHOLD_ITEMS if not i.fixed]  # a camera takes no units
    return f"per cell: {', '.join(words[:-1])} or {words[-1]} (default 1)"


def _tag_field(item: Item, tag: Tag) -> Field:
    """A placement key that only one item takes (an object's kind and colour)."""
    rule = "required for them" if tag.required else f'default "{tag.default}"'
    return Field(Str(pattern=NAME, pattern_doc="a name of letters, digits and _"), f"{tag.doc} ({item.name}s only; {rule})")


ITEM_FIELDS = {
    "item": Field(Str(ITEMS), "what to place", required=True),
    "units": Field(Range(0, MAX_UNITS), _units_doc(), default=(1, 1)),
    **{t.key: _tag_field(i, t) for i in HOUSEHOLD_ITEMS for t in i.tags},
}

PLACEMENT = Table({
    **ITEM_FIELDS,
    "on": Field(OneOrMany(Str(SURFACES)), "surface or list of surfaces whose cells are drawn"),
    "count": Field(Range(0), "how many cells get the item: an int or [min, max] (default 1)"),
    "at": Field(OneOrMany(Cell(), is_many=lambda v: isinstance(v, list) and bool(v) and isinstance(v[0], list)),
                "instead of on and count: a fixed cell [x, y] or a list of them"),
}, doc="items put at random (on, count) or at fixed cells (at)")

AGENT_FIELDS = {
    "objective": Field(Str(nonempty=True), "the name of the objective it pursues", required=True),
    "horizon": Field(Int(1), "steps it looks ahead, re-planning every step (default: to the end of the episode)"),
    "gamma": Field(Float(0.0, 1.0, lo_open=True), "its discount when planning", default=0.99),
    "unaware_of": Field(ListOf(Str(nonempty=True)), "item names, object kinds or surfaces absent from its model", default=()),
    "cannot": Field(ListOf(Str(ACTIONS)), "actions it believes it cannot take", default=()),
    "epsilon": Field(Float(0.0, 1.0, hi_open=True), "chance each step of a uniformly random action", default=0.0),
    "beliefs": Field(MapOf(Expr(allow_final=False), _belief_key_problem), "feature -> what it believes the feature to be", default={}),
    "fears_correction": Field(Bool(), "it models its training: watched, a step that is not base-optimal gets it "
                                      "stopped at a loss of stake", default=False),
    "stake": Field(Float(0.0, MAX_STAKE, lo_open=True), "what a correction costs it, in its objective's units",
                   default=1000.0),
}

DEPLOY_AGENT = Table({k: Field(f.type, f.doc) for k, f in AGENT_FIELDS.items()},
                     doc="keys of [agent] that change in deployment")


@frozen
class Feature(Type):
    """A feature's name, checked as a reward's features are (``[learn] features``)."""

    def check(self, v: Any, out: Found) -> Any:
        if not isinstance(v, str):
            raise Issue(f"expected a feature name, found {_type_name(v)} {_show(v)}",
                        'write it in quotes, e.g. "table.clean"')
        p = feature_problem(v.strip())
        if p:
            problem, _sep, hint = p.partition("; ")
            raise Issue(problem, hint)
        return v.strip()

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "description": "a feature, as a reward reads it: e.g. table.clean, robot.x"}


#: One part of a mixture (1.2): ``[[train.variant]]`` or ``[[deploy.variant]]``.
VARIANT = Table({
    "share": Field(Float(0.0, 1.0), "its share of the episodes: required on every variant but the last, "
                                    "which takes what the others leave"),
    "map": Field(Str(nonempty=True), "another map for its episodes (default: the distribution's)"),
    "episode_length": Field(Int(1, MAX_EPISODE_LENGTH), "steps per episode of its episodes "
                                                         "(default: the distribution's)"),
    "place": Field(ListOf(PLACEMENT), "placements drawn per episode of its episodes (default: the distribution's)"),
}, doc="one part of a mixture: its share of the episodes, and what replaces the distribution's own for them")

PRIORS = ("simplicity", "uniform")
MAX_LEARN_TERMS = 4

#: ``[learn]`` (1.2): the space of candidate objectives that ``pseudoalign learn`` searches.
LEARN = Table({
    "features": Field(ListOf(Feature()), "what a candidate objective may read (default: derived from what "
                                         "the file places)"),
    "weights": Field(ListOf(Float(-_expr.MAX_NUMBER, _expr.MAX_NUMBER)), "the coefficients a term may have: "
                                                                        "distinct, non-zero", default=(-1.0, 1.0)),
    "max_terms": Field(Int(1, MAX_LEARN_TERMS), "terms per candidate objective", default=2),
    "prior": Field(Str(PRIORS), "how candidates are weighed before training", default="simplicity"),
    "limit": Field(Int(1), "the most candidates the space may hold", default=100_000),
}, doc="the space of candidate objectives that training could have produced (1.2)")


def _distribution(deploy: bool) -> Table:
    fields = {
        "episodes": Field(Int(1, MAX_EPISODES), "environments drawn", default=8),
        "seed": Field(Int(0), "seed of the draw", default=0),
        "map": Field(Str(nonempty=True), "another map for this distribution"),
        "episode_length": Field(Int(1, MAX_EPISODE_LENGTH), "steps per episode (default: world.episode_length)"),
        "place": Field(ListOf(PLACEMENT), "placements drawn per episode", default=()),
        "overseen": Field(Bool(), "someone watches and corrects a robot seen to deviate (default: train true, "
                                  "deploy false)"),
    }
    fields["variant"] = Field(ListOf(VARIANT), "a mixture (1.2): [[train.variant]] tables, each given its share "
                                                "of the episodes in file order", default=())
    if deploy:
        fields["agent"] = Field(DEPLOY_AGENT, "keys of [agent] that change in deployment")
    return Table(fields)


SCENARIO = Table({
    "format": Field(Int(1, 1), "the format number: 1", required=True),
    "name": Field(Str(pattern=r"[A-Za-z0-9_.-]+", pattern_doc="a name of letters, digits, '.', '_' and '-'"),
                  "identifier (default: the file name without .toml)"),
    "title": Field(Str(nonempty=True), "one line for lists and headings", required=True),
    "story": Field(Str(), "the teaching text", default=""),
    "expected": Field(Str(tuple(str(label) for label in Label)), "the verdict the author expects"),
    "source": Field(Str(pattern=r"[^\r\n]*", pattern_doc="one line (write it without a line break; the story "
                                                      "takes several)"),
                    "where the story comes from, one line", default=""),
    "world": Field(Table({
        "map": Field(Str(nonempty=True), "rows of glyphs, walls all round, exactly one R", required=True),
        "episode_length": Field(Int(1, MAX_EPISODE_LENGTH), "steps per episode", required=True),
        "crumbs_per_cookie": Field(Int(1, MAX_CRUMBS_PER_COOKIE), "crumbs a broken cookie leaves",
                                    default=DEFAULT_CRUMBS_PER_COOKIE),
        "actions": Field(ListOf(Str(ADDABLE)), "actions this world adds to the robot's eleven (1.1)", default=()),
        "legend": Field(MapOf(Table({
            "surface": Field(Str(SURFACES), "the cell's surface", required=True),
            "items": Field(ListOf(Table(ITEM_FIELDS)), "items fixed on the cell", default=()),
        }), _legend_key_problem), "extra glyphs that put fixed items on a cell", default={}),
    }), "the household", required=True),
    "objectives": Field(MapOf(Table({
        "reward": Field(Expr(), "the reward expression", required=True),
        "description": Field(Str(), "what it means in words", default=""),
    }), _objective_name_problem), "objectives by name; must hold base", required=True),
    "agent": Field(Table(AGENT_FIELDS), "the robot: a planner with limits and beliefs", required=True),
    "train": Field(_distribution(False), "the training distribution", required=True),
    "deploy": Field(_distribution(True), "the deployment distribution", required=True),
    "classify": Field(Table({
        "tolerance": Field(Float(0.0, 1.0), "base score that counts as doing well", default=0.9),
        "competence": Field(Float(0.0, 1.0), "mesa competence below which it is a capability failure", default=0.5),
        "coupling": Field(Float(0.0, 1.0), "coupling at or above which proxy alignment is side-effect", default=0.5),
        "borderline": Field(Float(0.0, 1.0), "a deciding margin at most this far from its threshold is borderline",
                            default=0.05),
    }), "verdict thresholds", default=None),
    "learn": Field(LEARN, "the space of candidate objectives that 'pseudoalign learn' searches (1.2)"),
}, doc="A pseudoalign scenario, format 1")


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 4) of the format, generated from the same keys the loader checks."""
    s = SCENARIO.schema()
    s["$schema"] = "http://json-schema.org/draft-04/schema#"
    s["title"] = "pseudoalign scenario, format 1"
    return s

"""Fuzzing the loader: ``pseudoalign.loads`` returns a Scenario or raises ScenarioError naming
the file, never anything else (spec: scenario-format.md, "Errors").

Three sources of input:

(a) arbitrary bytes (and text, and bundled files with random bytes spliced in);
(b) arbitrary TOML documents -- nested tables, arrays of tables, lists, wrong types, huge
    ints, inf/nan, dates, unicode keys and strings, empty strings -- written by the small
    TOML writer below (checked to round-trip through tomllib), both free-form and shaped
    like a scenario (its keys, with values right or wrong);
(c) every bundled scenario with one random edit: a key renamed, a value swapped for one of
    another type, a map row shortened, a map glyph replaced by a random character, a list
    element removed, a table removed. Every problem of the error must then name the file
    and carry a key path or a line; where the edit gives one, a problem sits at the edited
    key (renames, swaps) with a line, and map faults point at the row that holds them.
    A handful of edited scenarios that still load and are small are also run.

Running a longer campaign
-------------------------
The number of examples comes from a Hypothesis settings profile chosen by the environment
variable PSEUDOALIGN_FUZZ: "ci" (the default: a few thousand examples in all, ~30 s) or
"long" (100 times more; about an hour on 2 cores)::

    PSEUDOALIGN_FUZZ=long /tmp/dev/bin/python -m pytest tests/test_fuzz.py -q \\
        --hypothesis-show-statistics --hypothesis-seed=$RANDOM

A failure prints the smallest input found and how to reproduce it (``@reproduce_failure``);
failing examples are also kept in the local Hypothesis database (.hypothesis/), so the next
run tries them first. The profiles are registered as "pseudoalign-fuzz-ci" and
"pseudoalign-fuzz-long" and applied to the tests of this file only: Hypothesis has a built-in
profile named "ci" (loaded automatically on CI machines), and registering or loading ours under
that name would change the settings of every other test file too.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tomllib

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import pseudoalign
from pseudoalign import LimitError, ScenarioError
from pseudoalign.engine import run
from pseudoalign.scenario.keys import SCENARIO, MapOf, Table
from pseudoalign.scenario.model import Scenario
from pseudoalign.world.layout import map_rows

# -- profiles ------------------------------------------------------------------------------

_SCALE = {"ci": 1, "long": 100}
settings.register_profile("pseudoalign-fuzz-ci", deadline=None, max_examples=100, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.filter_too_much])
settings.register_profile("pseudoalign-fuzz-long", settings.get_profile("pseudoalign-fuzz-ci"), max_examples=10_000)
MODE = os.environ.get("PSEUDOALIGN_FUZZ", "ci")
if MODE not in _SCALE:
    raise RuntimeError(f"PSEUDOALIGN_FUZZ must be one of {', '.join(_SCALE)}, not {MODE!r}")
PROFILE = settings.get_profile(f"pseudoalign-fuzz-{MODE}")


def fuzz(examples: int):
    """This file's profile with ``examples`` examples under "ci" (100 times more under "long")."""
    return settings(PROFILE, max_examples=examples * _SCALE[MODE])


PATHS = st.sampled_from(["x.toml", "dir/my scenario.toml", "ünïcødé/файл.toml", r"C:\scen\a.toml"])

# -- a small TOML writer ---------------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ESC = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _esc_char(c: str, keep_newline: bool) -> str:
    if c == "\n" and keep_newline:
        return c
    if c in _ESC:
        return _ESC[c]
    if ord(c) < 0x20 or ord(c) == 0x7F:
        return f"\\u{ord(c):04X}"
    return c


def toml_string(s: str, style: str = "basic") -> str:
    """A TOML string: "basic" (one line), "multi" (multi-line basic) or "literal" (multi-line
    literal, where it can hold the text; else multi-line basic)."""
    if style == "literal" and "'''" not in s and not s.endswith("'") and \
            not any((ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7F for c in s):
        return "'''\n" + s + "'''"
    if style in ("multi", "literal"):
        return '"""\n' + "".join(_esc_char(c, True) for c in s) + '"""'
    return '"' + "".join(_esc_char(c, False) for c in s) + '"'


def toml_key(k: str) -> str:
    return k if _BARE.fullmatch(k) else toml_string(k)


class Writer:
    """Writes a dict as TOML. ``choose(n)`` picks among n layout choices (sub-tables as [headers] or
    inline, lists of tables as [[arrays]] or inline, strings with newlines in one of three styles)."""

    def __init__(self, choose=lambda n: 0):
        self.choose = choose

    def value(self, v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            if math.isnan(v):
                return "nan"
            if math.isinf(v):
                return "inf" if v > 0 else "-inf"
            return repr(v)
        if isinstance(v, str):
            return toml_string(v, ("multi", "literal", "basic")[self.choose(3)] if "\n" in v else "basic")
        if isinstance(v, (dt.datetime, dt.date, dt.time)):
            return v.isoformat()
        if isinstance(v, list):
            items = [self.value(x) for x in v]
            if len(items) > 1 and self.choose(2):
                return "[\n" + "".join(f"  {x},\n" for x in items) + "]"
            return "[" + ", ".join(items) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{toml_key(k)} = {self.value(x)}" for k, x in v.items()) + " }" if v else "{}"
        raise TypeError(type(v))

    def dumps(self, doc: dict) -> str:
        lines: list[str] = []
        self._table(doc, (), lines)
        return "\n".join(lines) + "\n"

    def _table(self, d: dict, path: tuple, lines: list[str]) -> None:
        subtables, arrays = [], []
        for k, v in d.items():
            if isinstance(v, dict) and self.choose(4):
                subtables.append((k, v))
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v) and self.choose(2):
                arrays.append((k, v))
            else:
                lines.append(f"{toml_key(k)} = {self.value(v)}")
        for k, v in subtables:
            lines.append("")
            lines.append("[" + ".".join(toml_key(p) for p in path + (k,)) + "]")
            self._table(v, path + (k,), lines)
        for k, v in arrays:
            for x in v:
                lines.append("")
                lines.append("[[" + ".".join(toml_key(p) for p in path + (k,)) + "]]")
                self._table(x, path + (k,), lines)


def _norm(v):
    """A comparable form (nan equal to itself)."""
    if isinstance(v, float) and math.isnan(v):
        return ("nan",)
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


@st.composite
def written(draw, docs):
    """(doc, text): a document and its TOML text, in a random layout; the text parses back to the doc."""
    doc = draw(docs)
    rnd = draw(st.randoms(use_true_random=False))
    text = Writer(lambda n: rnd.randrange(n)).dumps(doc)
    assert _norm(tomllib.loads(text)) == _norm(doc), "the test's TOML writer must round-trip"
    return doc, text


# -- values ----------------------------------------------------------------------------------

HUGE = st.sampled_from([10 ** 30, -10 ** 30, 2 ** 63, 2 ** 63 - 1, -2 ** 63, 2 ** 64 + 1, 10 ** 18, -1, 0, 1])
INTS = st.one_of(st.integers(-3, 40), st.integers(), HUGE)
FLOATS = st.one_of(st.floats(), st.sampled_from([math.inf, -math.inf, math.nan, 0.0, -0.0, 0.5, 1.0, 1e300, 5e-324]))
TEXT = st.one_of(st.text(max_size=12), st.sampled_from(["", " ", "\n", "é", "日本", "\u200b", "\ufeff", "a\x00b"]))
DATES = st.one_of(st.dates(), st.datetimes(), st.times())
KEY_WORDS = ["format", "name", "title", "story", "expected", "world", "map", "episode_length", "crumbs_per_cookie",
             "legend", "surface", "items", "objectives", "base", "mesa", "reward", "description", "agent",
             "objective", "horizon", "gamma", "unaware_of", "cannot", "epsilon", "beliefs", "train", "deploy",
             "episodes", "seed", "place", "item", "on", "count", "units", "kind", "color", "at", "classify",
             "tolerance", "competence", "coupling", "bin.crumbs", "m", "R", "#"]
KEYS = st.one_of(st.sampled_from(KEY_WORDS), TEXT)
MAPS = ["#####\n#R.T#\n#####\n", "#######\n#RTTT.#\n#.....#\n#######", "###\n#R#\n###", "#\n", "",
        "#####\n#R..#\n####\n", "####\n#RR#\n####", "#####\n#R.m#\n#####"]
WORDS = st.sampled_from(["table", "floor", "counter", "cupboard", "stain", "crumb", "cookie", "mug", "dish",
                         "object", "soap", "mesa", "base", "table.clean", "event.clean", "-all.crumbs",
                         "2*event.move - final(bin.crumbs)", "final(", "wipe", "jump", "side-effect", "robust"]
                        + MAPS)
SCALARS = st.one_of(st.booleans(), INTS, FLOATS, TEXT, WORDS, DATES)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(KEYS, inner, max_size=4)), max_leaves=12)
FREE_DOCS = st.dictionaries(KEYS, VALUES, max_size=8)


def _maybe(good):
    """Mostly a right value, sometimes anything."""
    return st.one_of(good, good, good, VALUES)


def _table(required: dict, optional: dict):
    return st.fixed_dictionaries({k: _maybe(v) for k, v in required.items()},
                                 optional={k: _maybe(v) for k, v in optional.items()})


RANGE = st.one_of(st.integers(0, 4), st.lists(st.integers(0, 4), min_size=2, max_size=2))
CELL = st.lists(st.integers(0, 5), min_size=2, max_size=2)
PLACEMENT = _table({"item": st.sampled_from(["stain", "crumb", "cookie", "mug", "dish", "object"])},
                   {"on": st.one_of(st.sampled_from(["table", "floor"]), st.lists(st.sampled_from(["table", "floor"]))),
                    "count": RANGE, "units": RANGE, "kind": st.sampled_from(["soap", "cup", "bad kind"]),
                    "color": st.sampled_from(["red", "none"]), "at": st.one_of(CELL, st.lists(CELL, max_size=3))})
AGENT = {"objective": st.sampled_from(["mesa", "base", "nope"]), "horizon": st.integers(0, 5),
         "gamma": FLOATS, "unaware_of": st.lists(WORDS, max_size=2),
         "cannot": st.lists(st.sampled_from(["wipe", "wait", "jump"]), max_size=2), "epsilon": FLOATS,
         "beliefs": st.dictionaries(st.sampled_from(["bin.crumbs", "table.clean", "bogus"]), WORDS, max_size=2)}
DIST = {"episodes": st.integers(0, 2), "seed": INTS, "map": st.sampled_from(MAPS), "episode_length": st.integers(0, 3),
        "place": st.lists(PLACEMENT, max_size=3)}
SHAPED_DOCS = st.builds(
    lambda top, extra: {**top, **extra},
    _table({"format": st.just(1), "title": TEXT,
            "world": _table({"map": st.sampled_from(MAPS), "episode_length": st.integers(0, 3)},
                            {"crumbs_per_cookie": INTS,
                             "legend": st.dictionaries(st.sampled_from(["m", "R", "ab", " "]), _table(
                                 {"surface": st.sampled_from(["table", "wall"])},
                                 {"items": st.lists(PLACEMENT, max_size=2)}), max_size=2)}),
            "objectives": st.dictionaries(st.sampled_from(["base", "mesa", "bad name"]),
                                          _table({"reward": WORDS}, {"description": TEXT}), max_size=3),
            "agent": _table({"objective": AGENT["objective"]}, {k: v for k, v in AGENT.items() if k != "objective"}),
            "train": _table({}, DIST),
            "deploy": _table({}, {**DIST, "agent": _table({}, AGENT)})},
           {"name": TEXT, "story": TEXT, "expected": WORDS,
            "classify": _table({}, {"tolerance": FLOATS, "competence": FLOATS, "coupling": FLOATS})}),
    st.dictionaries(KEYS, VALUES, max_size=1))


# -- the property ----------------------------------------------------------------------------

def check_loads(data: bytes | str, path: str) -> Scenario | ScenarioError:
    """loads() returns a Scenario or raises a well-formed ScenarioError naming ``path``; anything else propagates."""
    try:
        scn = pseudoalign.loads(data, path)
    except ScenarioError as err:
        assert err.path == path
        assert err.problems, "a ScenarioError carries at least one problem"
        text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
        n_lines = text.count("\n") + 1
        for p in err.problems:
            assert p.format(path).startswith(path), p
            assert isinstance(p.problem, str) and p.problem.strip(), p
            assert p.line is None or 1 <= p.line <= n_lines, (p, n_lines)
        assert str(err).startswith(path)
        return err
    assert isinstance(scn, Scenario)
    return scn


# (a) bytes --------------------------------------------------------------------------------

BUNDLED = {name: pseudoalign.resolve(name).read_bytes() for name in pseudoalign.bundled_names()}


@st.composite
def spliced(draw):
    """A bundled file with a few random byte-level edits."""
    data = bytearray(draw(st.sampled_from(sorted(BUNDLED.items())))[1])
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(data)))
        j = draw(st.integers(i, min(len(data), i + 8)))
        data[i:j] = draw(st.binary(max_size=6))
    return bytes(data)


@pytest.mark.slow
@fuzz(1000)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode), spliced()), PATHS)
@example(b"", "x.toml")
@example(b"\xef\xbb\xbfformat = 1\n", "x.toml")  # a UTF-8 byte-order mark
@example(b"\r\n\r\n", "x.toml")
@example(b"a = 1\r\nb = 2\r", "x.toml")
@example(b'a = """', "x.toml")
@example(b"[a]\n[a]\n", "x.toml")
@example(b"x" * 1_000_001, "x.toml")
def test_arbitrary_bytes(data, path):
    check_loads(data, path)


# (b) TOML documents ---------------------------------------------------------------------

@pytest.mark.slow
@fuzz(300)
@given(written(FREE_DOCS), PATHS)
def test_arbitrary_toml_documents(doc_text, path):
    _doc, text = doc_text
    check_loads(text, path)


@pytest.mark.slow
@fuzz(300)
@given(written(SHAPED_DOCS), PATHS)
def test_documents_shaped_like_scenarios(doc_text, path):
    _doc, text = doc_text
    check_loads(text.encode("utf-8"), path)


@pytest.mark.parametrize("text", [
    "a = " + "[" * 2000 + "]" * 2000,
    "a = " + "{b = " * 500 + "1" + "}" * 500,
    "world = " + "[" * 1000 + "]" * 1000,
    "[world]\nlegend = " + "{ m = " * 400 + "1" + " }" * 400,
], ids=["arrays-2000", "inline-tables-500", "world-arrays-1000", "legend-inline-tables-400"])
def test_deeply_nested_values_are_a_scenario_error(text):
    """Valid-looking but deeply nested TOML (a few kilobytes, far under the size limit) must give a
    ScenarioError like any other bad file, not a RecursionError from the parser."""
    check_loads(text, "deep.toml")


# Found by the properties above, kept as plain reproductions -------------------------------

TABLE_WIPER = BUNDLED["table-wiper"].decode("utf-8")
TW_PLACE = 'place = [ { item = "stain", on = "table", count = [2, 4] } ]'
TW_MAP = '"""\n#########\n#..TTTT.#\n#..TTTT.#\n#R......#\n#########\n"""'


def tw(old: str, new: str) -> str:
    assert old in TABLE_WIPER, "the test's edit must apply"
    return TABLE_WIPER.replace(old, new, 1)


@pytest.mark.parametrize(("text", "key"), [
    (tw(TW_PLACE, "place = 3"), "train.place"),
    (tw(TW_PLACE, 'place = { item = "stain", on = "table" }'), "train.place"),
    (tw("episode_length = 30", 'episode_length = 30\nlegend = { m = { surface = "table", items = 3 } }'),
     "world.legend.m.items"),
    (tw('objective = "mesa"', 'objective = "mesa"\nunaware_of = [3]'), "agent.unaware_of.0"),
    (tw("[deploy]", "[deploy]\nagent = { unaware_of = [3] }"), "deploy.agent.unaware_of.0"),
], ids=["place-int", "place-table", "legend-items-int", "unaware_of-int", "deploy-unaware_of-int"])
def test_wrong_types_are_scenario_errors(text, key):
    """A value of the wrong type is reported at its key, whatever the key (not a TypeError)."""
    err = check_loads(text, "x.toml")
    assert isinstance(err, ScenarioError)
    assert key in {p.key for p in err.problems}, str(err)


def test_row_faults_of_a_one_line_map_point_at_its_line():
    """A map written as a one-line string ("...\\n...") is valid TOML; its row faults can only be on
    the map's own line, not on the lines below it (nor past the end of the file)."""
    text = tw(TW_MAP, '"#########\\n#..TTTT.#\\n#..TTTT#\\n#R......#\\n#########"')  # row 2 is short
    map_line = next(i for i, ln in enumerate(text.split("\n"), 1) if ln.startswith("map = "))
    err = check_loads(text, "x.toml")
    assert isinstance(err, ScenarioError)
    rows = [p for p in err.problems if p.key == "world.map"]
    assert rows and all(p.line == map_line for p in rows), str(err)


def test_text_that_is_not_utf8_encodable_is_a_scenario_error():
    """loads() takes str too: a str with a lone surrogate (what reading a non-UTF-8 file or stdin with
    errors="surrogateescape" gives) cannot be UTF-8 text; it is a ScenarioError, not a UnicodeEncodeError."""
    err = check_loads(tw('title = "The table-wiping robot"', 'title = "The table-wiping robot \udcff"'), "x.toml")
    assert isinstance(err, ScenarioError)


HUGE_RUN = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
import pseudoalign
from pseudoalign import LimitError, ScenarioError
from pseudoalign.engine import run
try:
    run(pseudoalign.loads(sys.stdin.read(), "huge.toml"), max_states=200_000)
except (LimitError, ScenarioError) as e:
    print("refused:", e)
else:
    print("ran")
"""
MUG = '{ item = "mug",   on = "table", count = 1, units = 8 }'


@pytest.mark.parametrize("text", [
    tw("episode_length = 30", "episode_length = 30\ncrumbs_per_cookie = 1000000000000000000000000").replace(
        MUG, '{ item = "cookie", on = "table", count = 1 }'),
    tw(MUG, '{ item = "stain", on = "table", count = 1, units = 1000000000000000000000000 }'),
    tw(MUG, '{ item = "mug", on = "table", count = 1, units = 100000000 }'),
    tw(MUG, '{ item = "dish", on = "table", count = 1, units = 100000000 }'),
    # within the loader's maxima: one mug placed at the same cell 30,000 times (a 240 kB file) holds
    # 2,970,000 coffee units; the reachable states are few, but the engine needs gigabytes
    pytest.param(tw(MUG, '{ item = "mug", at = [' + ", ".join(["[4, 1]"] * 30_000) + '], units = 99 }'),
                 marks=pytest.mark.slow),
], ids=["crumbs_per_cookie-1e24", "stain-units-1e24", "mug-units-1e8", "dish-units-1e8", "mug-at-one-cell-30000-times"])
def test_huge_quantities_are_refused_not_crashed(text):
    """Quantities no run can hold must be refused by the loader (ScenarioError) or with the figure and
    the limit (LimitError): never a ValueError or MemoryError.
    Run in a child process with 800 MB of address space (a bundled scenario needs a fifth of that),
    so that a failure cannot take the machine."""
    import subprocess
    import sys

    import tempfile

    # run away from the repository, whose source folder would shadow the installed package
    proc = subprocess.run([sys.executable, "-c", HUGE_RUN, "800000000"], input=text, capture_output=True,
                          text=True, timeout=60, check=False, cwd=tempfile.gettempdir())
    out = proc.stdout.strip()
    assert proc.returncode == 0 and out.startswith(("refused:", "ran")), proc.stderr[-800:]


# (c) bundled files with one edit ----------------------------------------------------------

DOCS = {name: tomllib.loads(data.decode("utf-8")) for name, data in BUNDLED.items()}
#: every key name of the format: a rename to one of these may make a valid file
KNOWN_KEYS = set()


def _collect_keys(t) -> None:
    if isinstance(t, Table):
        for k, f in t.fields.items():
            KNOWN_KEYS.add(k)
            _collect_keys(f.type)
    elif isinstance(t, MapOf) or hasattr(t, "of"):
        _collect_keys(t.of)


_collect_keys(SCENARIO)
USER_KEYED = {("objectives",), ("world", "legend"), ("agent", "beliefs"), ("deploy", "agent", "beliefs")}


def paths(v, here=()):
    """Every (path, value) below a document, depth first."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield here + (k,), x
            yield from paths(x, here + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield here + (i,), x
            yield from paths(x, here + (i,))


def get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def key_text(path) -> str:
    return ".".join(str(p) for p in path)


TYPES = {
    "int": st.one_of(st.integers(-5, 50), HUGE),
    "float": FLOATS,
    "bool": st.booleans(),
    "str": st.one_of(TEXT, WORDS),
    "list": st.lists(SCALARS, max_size=3),
    "dict": st.dictionaries(KEYS, SCALARS, max_size=2),
    "date": DATES,
}


def type_of(v) -> str:
    for name, t in (("bool", bool), ("int", int), ("float", float), ("str", str), ("list", list), ("dict", dict)):
        if isinstance(v, t):
            return name
    return "date"


MAP_KEYS = {("world", "map"), ("train", "map"), ("deploy", "map")}
EDITS = ("rename", "swap", "shorten-row", "replace-glyph", "remove-element", "remove-table")
GLYPHS = ".T=%#R"


@st.composite
def edited(draw, benign: bool = False):
    """(name, edit, info, doc): a bundled document with one random edit.

    ``info`` says where: the edited path, the new key, or the map key and the row edited.
    With ``benign`` the edit is likelier to leave a valid file (glyphs from the map's own, keys
    from the format's), for the run test.
    """
    name = draw(st.sampled_from(sorted(DOCS)), label="file")
    doc = tomllib.loads(BUNDLED[name].decode("utf-8"))
    edit = draw(st.sampled_from(EDITS), label="edit")
    every = list(paths(doc))
    info: dict = {}
    if edit == "rename":
        path, _v = draw(st.sampled_from([(p, v) for p, v in every if isinstance(p[-1], str)]), label="key")
        old = path[-1]
        if benign:
            new = draw(st.sampled_from(sorted(KNOWN_KEYS)))
        else:
            new = draw(st.one_of(
                st.builds(lambda i, c: old[:i] + c + old[i:], st.integers(0, len(old)), st.characters()),
                st.builds(lambda i: old[:i] + old[i + 1:], st.integers(0, max(len(old) - 1, 0))),
                st.sampled_from(KEY_WORDS), TEXT), label="new key")
        parent = get(doc, path[:-1])
        if new in parent and new != old:
            new = new + "_"
        parent[new] = parent.pop(old)
        info = {"path": path[:-1] + (new,), "new": new, "old": old, "parent": path[:-1]}
    elif edit == "swap":
        path, v = draw(st.sampled_from(every), label="value")
        kinds = sorted(set(TYPES) - {type_of(v)})
        if benign:
            kinds = [k for k in kinds if k in ("int", "list", "float")]
        new = draw(TYPES[draw(st.sampled_from(kinds), label="type")], label="new value")
        get(doc, path[:-1])[path[-1]] = new
        info = {"path": path}
    elif edit in ("shorten-row", "replace-glyph"):
        maps = [(p, v) for p, v in every if p in MAP_KEYS]
        path, text = draw(st.sampled_from(maps), label="map")
        lines = text.split("\n")
        y = draw(st.sampled_from([i for i, ln in enumerate(lines) if ln.strip()]), label="row")
        line = lines[y]
        if edit == "shorten-row":
            cut = draw(st.integers(1, len(line)), label="cut")
            lines[y] = line[:len(line) - cut]
        else:
            x = draw(st.integers(0, len(line) - 1), label="column")
            c = draw(st.sampled_from(".T=%") if benign else st.one_of(st.sampled_from(GLYPHS + "xm \t"),
                                                                      st.characters()), label="glyph")
            lines[y] = line[:x] + c + line[x + 1:]
        get(doc, path[:-1])[path[-1]] = "\n".join(lines)
        info = {"path": path}
    elif edit == "remove-element":
        lists = [(p, v) for p, v in every if isinstance(v, list) and v]
        path, v = draw(st.sampled_from(lists), label="list")
        del v[draw(st.integers(0, len(v) - 1), label="index")]
        info = {"path": path}
    else:
        tables = [(p, v) for p, v in every if isinstance(v, dict)]
        path, _v = draw(st.sampled_from(tables), label="table")
        parent = get(doc, path[:-1])
        del parent[path[-1]]
        info = {"path": path}
    return name, edit, info, doc


ROW_FAULT = re.compile(r"\brow (\d+) is\b|\by=(\d+)\)?")


def _verbatim(s: str) -> bool:
    """Whether the writer puts ``s`` in the file as it is (no escape sequences), so that its rows can be
    found in the text."""
    return not any((ord(c) < 0x20 and c != "\n") or ord(c) == 0x7F or c in "\"\\" for c in s)


def check_edit(name: str, edit: str, info: dict, doc: dict, text: str, path: str):
    result = check_loads(text, path)
    if not isinstance(result, ScenarioError):
        return result
    err = result
    lines = text.split("\n")
    for p in err.problems:
        assert p.key or p.line is not None, f"a problem with neither key nor line: {p}"
    where = key_text(info["path"])
    if edit == "rename" and info["new"] not in KNOWN_KEYS and info["parent"] not in USER_KEYED \
            and not any(isinstance(k, str) and k not in KNOWN_KEYS for k in info["parent"]):
        # an unknown key of a fixed table: reported at that key, on a line that shows it
        found = [p for p in err.problems if p.key == where]
        assert found, f"no problem at {where!r}:\n{err}"
        token = toml_key(info["new"])
        if "\\" not in token:  # a key written with escapes gets its table's line, or none (not a fault)
            assert found[0].line is not None, str(err)
            assert token in lines[found[0].line - 1], (found[0], lines[found[0].line - 1])
    if edit == "swap":
        related = [p for p in err.problems
                   if p.key == where or p.key.startswith(where + ".") or where.startswith(p.key + ".")]
        if related:
            assert all(p.line is not None for p in related), str(err)
    if edit in ("shorten-row", "replace-glyph") and _verbatim(get(doc, info["path"])):
        rows = map_rows(get(doc, info["path"]))
        for p in err.problems:
            m = ROW_FAULT.search(p.problem)
            if p.key == where and m and p.line is not None:
                row = int(m.group(1) or m.group(2))
                if row < len(rows) and rows[row].strip():
                    assert rows[row].strip() in lines[p.line - 1], (
                        f"{p.format(path)}\n  the line says {lines[p.line - 1]!r}, the row is {rows[row]!r}")
    return err


@pytest.mark.slow
@fuzz(800)
@given(edited(), st.randoms(use_true_random=False), PATHS)
def test_bundled_files_with_one_edit(ed, rnd, path):
    name, edit, info, doc = ed
    text = Writer(lambda n: rnd.randrange(n)).dumps(doc)
    check_edit(name, edit, info, doc, text, path)


@pytest.mark.slow
@fuzz(150)
@given(edited(), PATHS)
def test_bundled_files_with_one_edit_in_their_own_layout(ed, path):
    """The same edits written like the bundled files are (maps as multi-line strings, tables as headers)."""
    name, edit, info, doc = ed
    text = Writer(lambda n: 0 if n == 3 else n - 1).dumps(doc)
    check_edit(name, edit, info, doc, text, path)


MAX_RUN_STEPS = 500  # episodes * episode_length, both phases together


@pytest.mark.slow
@fuzz(25)
@given(edited(benign=True))
def test_edited_scenarios_that_load_also_run(ed):
    """About one benign edit in five still loads; those that are small are run (a handful in all)."""
    name, edit, info, doc = ed
    text = Writer().dumps(doc)
    scn = check_edit(name, edit, info, doc, text, f"{name}.toml")
    if not isinstance(scn, Scenario):
        return
    steps = sum(d.episodes * d.episode_length for d in (scn.train, scn.deploy))
    if steps > MAX_RUN_STEPS:
        return
    try:
        report = run(scn, max_states=200_000)
    except (LimitError, ScenarioError):
        return
    assert report.label

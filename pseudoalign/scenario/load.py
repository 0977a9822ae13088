"""Reading scenario files: TOML text -> a checked, frozen Scenario, or every problem at once.

Owns: the only code that reads scenario files (``read_file``: bounded, regular files only)
and knows their keys (with keys.py).
Imports errors, household, vocab, expr, keys, locate, model, world.layout.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
import tomllib
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problem, ScenarioError, did_you_mean
from ..household import ACTIONS as ACTION_TABLE
from ..household import ITEM, has_actions
from ..household import ITEMS as ITEMS_TABLE
from ..vocab import ACTIONS, ITEMS, SURFACES
from ..world.layout import Layout, MapError, map_rows, parse_map
from . import keys as K
from .expr import Term
from .locate import KeyPath, key_lines, line_of
from .model import (
    AgentSpec,
    Distribution,
    ItemSpec,
    LearnSpec,
    Legend,
    Objective,
    Placement,
    Scenario,
    Thresholds,
    Variant,
    variant_counts,
)

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

#: placement keys that only one item takes (an object's kind and colour): key -> that item, and default
_TAGS = {t.key: i.name for i in ITEMS_TABLE for t in i.tags}
_TAG_DEFAULT = {t.key: t.default for i in ITEMS_TABLE for t in i.tags}

MAX_FILE_BYTES = 1_000_000
MAX_MAP_CELLS = 4_096


def _episodes_needed(shares: Sequence[float], i: int) -> int | None:
    """The fewest episodes for which variant ``i`` gets one by largest remainder (variant_counts);
    None when that is over MAX_EPISODES."""
    for n in range(1, K.MAX_EPISODES + 1):
        if variant_counts(list(shares), n)[i] > 0:
            return n
    return None


class _Named:
    """A belief's feature, read like a term's (for the names check)."""

    def __init__(self, feature: str) -> None:
        self.feature = feature


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)


def bundled_dir() -> Path | Traversable:
    """The folder of the bundled scenario files. Found from the package's import spec:
    importlib.resources, about 20 ms of every command's start-up to import, is asked only
    when the package is not a folder (as in a zip)."""
    from importlib.util import find_spec

    spec = find_spec("pseudoalign.scenarios")
    for place in (spec.submodule_search_locations or []) if spec is not None else []:
        if Path(place).is_dir():
            return Path(place)
    from importlib import resources

    return resources.files("pseudoalign.scenarios")


def bundled_names() -> list[str]:
    return sorted(p.name[:-5] for p in bundled_dir().iterdir() if p.name.endswith(".toml"))


def resolve(name_or_path: str) -> Path:
    """A file path as given, or the bundled scenario of that name."""
    p = Path(name_or_path)
    if p.exists():
        return p
    names = bundled_names()
    stem = name_or_path.removesuffix(".toml")
    if "/" not in name_or_path and stem in names:
        return Path(str(bundled_dir() / f"{stem}.toml"))
    hint = did_you_mean(stem, names)
    raise ScenarioError(name_or_path, [Problem(
        problem="no such file, and no bundled scenario of that name",
        hint=hint or f"bundled scenarios: {', '.join(names)}")])


def read_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a scenario file, read with a bound: at most MAX_FILE_BYTES + 1 bytes.

    Only a regular file is read. It is opened non-blocking, so that a named pipe (FIFO)
    without a writer cannot make the open wait, and a FIFO, a device (/dev/zero), a socket or a
    folder is refused with a one-line ScenarioError. This is the one place that reads scenario
    files (load and the sweeps use it). Raises ScenarioError.
    """
    where = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise ScenarioError(where, [Problem(problem=f"cannot read the file: {e.strerror or e}")]) from None
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if stat.S_ISDIR(mode):  # as reading it says (EISDIR)
            raise ScenarioError(where, [Problem(problem=f"cannot read the file: {os.strerror(errno.EISDIR)}")])
        if not stat.S_ISREG(mode):
            what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
                    "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
                    "a socket" if stat.S_ISSOCK(mode) else "a special file")
            raise ScenarioError(where, [Problem(problem=f"not a regular file: this is {what}",
                                                hint="a scenario is a TOML text file; save it to a file and name that")])
        if st.st_size > MAX_FILE_BYTES:
            raise ScenarioError(where, [Problem(problem=f"the file is {st.st_size:,} bytes, over the limit of {MAX_FILE_BYTES:,}",
                                                hint="a scenario file is a few kilobytes; is this the right file?")])
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise ScenarioError(where, [Problem(problem=f"cannot read the file: {e.strerror or e}")]) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(where, [Problem(problem=f"the file is over the limit of {MAX_FILE_BYTES:,} bytes",
                                            hint="a scenario file is a few kilobytes; is this the right file?")])
    return data


def load(name_or_path: str | os.PathLike[str]) -> Scenario:
    """Load a scenario file (or a bundled scenario by name). Raises ScenarioError."""
    path = resolve(str(name_or_path))
    data = read_file(path)
    return loads(data, str(path), default_name=path.name.removesuffix(".toml"))


def loads(data: bytes | str, path: str = "<string>", default_name: str = "scenario") -> Scenario:
    """Load a scenario from its bytes or text; ``path`` is used in messages."""
    text, doc = parse_document(data, path)
    return _Builder(path, text, doc, default_name).build()


def parse_document(data: bytes | str, path: str = "<string>") -> tuple[str, dict]:
    """(text, TOML document) of a scenario file's bytes or text, before its keys are checked.

    Refuses, with a ScenarioError, what is too long, not text, not UTF-8, empty, not TOML or
    nested too deeply to read. A UTF-8 byte-order mark at the start is dropped (some Windows
    editors write one; TOML readers differ on it). Shared by ``loads`` and the sweeps.
    """
    if isinstance(data, str):
        given = data
        try:
            data = given.encode("utf-8")
        except UnicodeEncodeError as e:  # e.g. text read with errors="surrogateescape"
            line = given[:e.start].count("\n") + 1
            raise ScenarioError(path, [Problem(problem="the file is not UTF-8 text", line=line,
                                               hint="save it as UTF-8")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(path, [Problem(problem=f"the file is {len(data):,} bytes, over the limit of {MAX_FILE_BYTES:,}",
                                           hint="a scenario file is a few kilobytes; is this the right file?")])
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ScenarioError(path, [Problem(problem="the file is not UTF-8 text: it starts with a UTF-16 byte-order mark",
                                           line=1, hint="save it as UTF-8")])
    if b"\x00" in data:
        raise ScenarioError(path, [Problem(problem="this is not a text file (it holds NUL bytes)",
                                           hint="a scenario is a TOML text file")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise ScenarioError(path, [Problem(problem="the file is not UTF-8 text", line=line,
                                           hint="save it as UTF-8")]) from None
    if not text.strip():
        raise ScenarioError(path, [Problem(problem="the file is empty", hint="start from 'pseudoalign new NAME'")])
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        raise too_deep(path) from None
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        at_line: int | None = int(m.group(1)) if m else None
        at_col: int | None = int(m.group(2)) if m else None
        if m is None and "end of document" in msg:
            at_line = text.rstrip("\n").count("\n") + 1
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg).rstrip(".")
        raise ScenarioError(path, [Problem(problem=f"not valid TOML: {msg}", line=at_line, column=at_col)]) from None
    return text, doc


def too_deep(path: str) -> ScenarioError:
    """The error of a document nested too deeply to read (or to copy or check)."""
    return ScenarioError(path, [Problem(problem="not valid TOML here: values are nested too deeply to read",
                                        hint="a scenario nests tables and lists a few levels deep")])


def load_document(doc: dict[str, Any], path: str = "<document>", default_name: str = "scenario", text: str | None = None) -> Scenario:
    """Load a scenario from an already parsed TOML document (e.g. one with sweep values put in).

    ``text``, when given, is the file the document came from (for line numbers); the digest is
    then of the document's canonical JSON, so that a changed value changes it.
    """
    import json

    try:
        # ``source`` (one line for lists) changes no result: a store made before a file had one still matches
        canonical_text = json.dumps({k: v for k, v in doc.items() if k != "source"}, sort_keys=True,
                                    ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        canonical_text = repr(doc)
    builder = _Builder(path, text if text is not None else "", doc, default_name)
    scn = builder.build()
    import attrs

    return attrs.evolve(scn, digest=hashlib.sha256(canonical_text.encode("utf-8")).hexdigest())


class _Builder:
    def __init__(self, path: str, text: str, doc: dict[str, Any], default_name: str) -> None:
        self.path, self.text, self.doc, self.default_name = path, text, doc, default_name
        self.lines = key_lines(text)
        self.problems: list[Problem] = []

    def add(self, path: KeyPath, problem: str, hint: str = "", line: int | None = None,
            column: int | None = None) -> None:
        key = ".".join(str(p) for p in path)
        if line is None:
            line = line_of(self.lines, path)
        self.problems.append(Problem(key=key, problem=problem, line=line, column=column, hint=hint))

    def fail_if_any(self) -> None:
        if self.problems:
            probs = sorted(self.problems, key=lambda p: (p.line or 0, p.key))
            raise ScenarioError(self.path, probs)

    # -- the build -------------------------------------------------------------------------
    def build(self) -> Scenario:
        issues: K.Found = []
        raw = K.SCENARIO.check(self.doc, issues)
        for path, issue in issues:
            self.add(path, issue.problem, issue.hint)
        # semantic checks on what is structurally sound
        ok = lambda v: v is not K.INVALID and v is not None
        world = raw.get("world") if ok(raw.get("world")) else None
        objectives = raw.get("objectives") if ok(raw.get("objectives")) else None
        legend = {}
        if world and ok(world.get("legend")):
            for g, entry in world["legend"].items():
                if entry is K.INVALID or not ok(entry.get("surface")):
                    continue
                items = []
                for i, it in enumerate(entry.get("items") or ()):
                    if it is K.INVALID:
                        continue
                    spec = self.item_spec(it, ("world", "legend", g, "items", i))
                    if spec:
                        items.append(spec)
                legend[g] = (entry["surface"], tuple(items))
        if objectives is not None and "base" not in objectives and "objectives" in self.doc:
            self.add(("objectives",), "there must be an [objectives.base] table: the objective training optimised",
                     did_you_mean("base", objectives))
        built_obj = {}
        if objectives:
            for name, o in objectives.items():
                if o is K.INVALID or not ok(o.get("reward")):
                    continue
                built_obj[name] = Objective(name, o["reward"], self.doc["objectives"][name]["reward"], o.get("description") or "")
        agent_raw = raw.get("agent") if ok(raw.get("agent")) else None
        agent = self.agent(agent_raw, ("agent",), built_obj, objectives) if agent_raw else None
        base_layout = None
        if world and ok(world.get("map")):
            base_layout = self.layout(world["map"], ("world", "map"), legend)
        dists = {}
        for phase in ("train", "deploy"):
            d = raw.get(phase)
            if not ok(d) or world is None:
                continue
            dists[phase] = self.distribution(phase, d, world, base_layout, legend, agent, built_obj, objectives)
        learn = self.learn(raw.get("learn")) if ok(raw.get("learn")) else None
        self.check_unaware(agent, dists, legend)
        self.check_names(built_obj, learn)
        added = tuple(world.get("actions") or ()) if world and ok(world.get("actions")) else ()
        self.check_actions(added, built_obj, learn)
        self.fail_if_any()
        # no problems: then the required tables were there and each was built
        train, deploy = dists.get("train"), dists.get("deploy")
        assert world is not None and agent is not None and train is not None and deploy is not None
        cl = raw.get("classify") or {}
        thresholds = Thresholds(**{k: v for k, v in cl.items() if v is not None})
        name = raw.get("name") or self.default_name
        return Scenario(
            path=self.path, name=name, title=raw["title"].strip(), story=(raw.get("story") or "").strip(),
            expected=raw.get("expected"), crumbs_per_cookie=world["crumbs_per_cookie"], legend=legend,
            source=(raw.get("source") or "").strip(),
            objectives=built_obj, agent=agent, train=train, deploy=deploy,
            classify=thresholds, digest=hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
            actions=tuple(dict.fromkeys(added)), learn=learn)

    def item_spec(self, it: dict[str, Any], path: KeyPath) -> ItemSpec | None:
        if any(dict.get(it, k) is K.INVALID for k in ("item", "units", *_TAGS)):
            return None  # reported already
        item = it.get("item")
        if item is None:
            return None
        mine = {t.key for t in ITEM[item].tags}
        for t in ITEM[item].tags:
            if t.required and not it.get(t.key):
                article = "an" if item[0] in "aeiou" else "a"
                self.add(path + (t.key,), f"{article} {item} needs a {t.key}", f'e.g. {t.key} = "{t.example}"')
                return None
        for k, owner in _TAGS.items():
            if k not in mine and it.get(k) is not None:
                self.add(path + (k,), f"only {owner}s have a {k}; this is a {item}")
                return None
        if ITEM[item].fixed:  # 1.1: a camera watches one surface, has no units
            raw: Any = self.doc
            for step in path:
                if isinstance(raw, dict):
                    raw = raw.get(step)
                elif isinstance(raw, list) and isinstance(step, int) and step < len(raw):
                    raw = raw[step]
                else:
                    raw = None
            if isinstance(raw, dict) and "units" in raw:
                self.add(path + ("units",), f"a {item} takes no units: a cell holds one {item} or none",
                         "leave 'units' out")
                return None
            watched = it.get("watches")
            if watched not in SURFACES:
                self.add(path + ("watches",), f"a {item} watches one surface, not {watched!r}",
                         did_you_mean(str(watched), SURFACES) or f"surfaces: {', '.join(SURFACES)}")
                return None
        tags: dict[str, Any] = {k: it.get(k) or _TAG_DEFAULT[k] for k in _TAGS}
        return ItemSpec(item, it["units"], **tags)  # checked, so there (the key table's default if not written)

    def agent(self, a: Mapping[str, Any], path: KeyPath, built_obj: dict[str, Objective],
              objectives: Mapping[str, Any] | None, base: AgentSpec | None = None) -> AgentSpec | None:
        obj = a.get("objective")
        if obj not in (None, K.INVALID) and objectives is not None and obj not in objectives:
            self.add(path + ("objective",), f"no objective named {obj!r} (objectives: {', '.join(objectives)})",
                     did_you_mean(obj, objectives))
            return None
        if any(v is K.INVALID for v in a.values()):
            return None
        beliefs = a.get("beliefs")
        if beliefs is not None:
            beliefs = tuple(sorted(beliefs.items()))
        fields = {k: v for k, v in dict(a, beliefs=beliefs).items() if v is not None}
        for k in ("unaware_of", "cannot"):
            if k in fields:
                fields[k] = tuple(dict.fromkeys(fields[k]))
        if set(ACTIONS) <= set(fields.get("cannot", ())):
            # a robot must take some action every step, and its epsilon draws from the others
            self.add(path + ("cannot",), "names every action, so the robot would have none it believes it can take",
                     "leave at least one out, e.g. 'wait'")
            return None
        if base is None:
            return AgentSpec(**fields)
        from attrs import evolve

        return evolve(base, **fields)

    def layout(self, text: str, path: KeyPath, legend: Legend) -> Layout | None:
        rows = map_rows(text)
        if len(rows) * max((len(r) for r in rows), default=0) > MAX_MAP_CELLS:
            self.add(path, f"the map has {len(rows)} rows of up to {max(len(r) for r in rows)} cells, over the limit of {MAX_MAP_CELLS:,} cells",
                     "a household map is at most 64 x 64")
            return None
        try:
            return parse_map(text, {g: s for g, (s, _items) in legend.items()})
        except MapError as e:
            first_line = line_of(self.lines, path)
            # the map's first row is on the line after a multi-line string's opening quotes
            for row, message in e.faults:
                self.add(path, message, line=self._map_row_line(first_line, text, row))
            return None

    def _map_row_line(self, first_line: int | None, text: str, row: int | None) -> int | None:
        """The line of a map's row: a map in a multi-line string has a row a line (TOML drops the
        newline right after the opening quotes, map_rows drops blank leading lines); a map in a
        one-line string ("...\\n...") has all its rows on the key's line."""
        if first_line is None or row is None:
            return first_line
        src = self.text.split("\n")
        key_line = src[first_line - 1] if 0 < first_line <= len(src) else ""
        opens = [i for i in (key_line.find('"""'), key_line.find("'''")) if i >= 0]
        if not opens:
            return first_line
        quote = key_line[min(opens):min(opens) + 3]
        rest = key_line[min(opens) + 3:]
        if quote in rest:  # opened and closed on this line
            return first_line
        opens_alone = not rest.strip()
        lead = 0
        for ln in text.split("\n"):
            if ln.strip():
                break
            lead += 1
        line = first_line + lead + (1 if opens_alone else 0) + row
        return min(line, len(src))

    def distribution(self, phase: str, d: Mapping[str, Any], world: Mapping[str, Any], base_layout: Layout | None,
                     legend: Legend, agent: AgentSpec | None, built_obj: dict[str, Objective],
                     objectives: Mapping[str, Any] | None) -> Distribution | None:
        path = (phase,)
        layout = base_layout
        if d.get("map") not in (None, K.INVALID):
            layout = self.layout(d["map"], path + ("map",), legend)
        length = d.get("episode_length")
        if length is None:
            length = world.get("episode_length")
        dist_agent = agent
        if phase == "deploy" and d.get("agent") not in (None, K.INVALID) and agent is not None:
            dist_agent = self.agent({k: v for k, v in d["agent"].items() if v is not None}, path + ("agent",),
                                    built_obj, objectives, base=agent)
        place = []
        for i, p in enumerate(d.get("place") or ()):
            if p is K.INVALID:
                continue
            pl = self.placement(p, path + ("place", i), layout)
            if pl:
                place.append(pl)
        if layout is not None:
            self.check_fixed((phase, "place"), layout, legend)
        variants = self.variants(phase, d, layout, length, tuple(place), legend)
        if layout is None or dist_agent is None or length in (None, K.INVALID) or d.get("episodes") is K.INVALID \
                or d.get("overseen") is K.INVALID or variants is None:
            return None
        overseen = d.get("overseen")
        if overseen is None:
            overseen = phase == "train"  # training is watched, deployment is not, unless the file says
        return Distribution(phase, d["episodes"], d["seed"], layout, length, tuple(place), dist_agent,
                            overseen=bool(overseen), variants=variants)

    def variants(self, phase: str, d: Mapping[str, Any], layout: Layout | None, length: Any,
                 place: tuple[Placement, ...], legend: Legend) -> tuple[Variant, ...] | None:
        """1.2: the variants of a mixture, each with what replaces the distribution's own; () for a
        plain distribution; None where a problem was found (reported)."""
        raw = d.get("variant")
        if not raw:  # none written, or a value of the wrong type (reported)
            if raw == () and "variant" in self.doc[phase]:
                self.add((phase, "variant"), "a mixture needs at least one variant",
                         f"add [[{phase}.variant]] tables, or leave 'variant' out")
                return None
            return ()
        written = self.doc[phase]["variant"]  # as written: which keys a variant leaves out
        before = len(self.problems)
        built: list[tuple[Layout, int, tuple[Placement, ...]] | None] = []
        for i, v in enumerate(raw):
            if v is K.INVALID:
                built.append(None)
                continue
            vpath: KeyPath = (phase, "variant", i)
            mine = written[i] if i < len(written) and isinstance(written[i], dict) else {}
            vlayout = layout
            if "map" in mine:
                vlayout = self.layout(v["map"], vpath + ("map",), legend) if v.get("map") is not None else None
            vlength = v.get("episode_length") if "episode_length" in mine else length
            if "place" in mine:
                vplace = self.variant_places(v.get("place"), vpath + ("place",), vlayout)
                places_path: KeyPath = vpath + ("place",)
            elif "map" in mine and vlayout is not None:  # the distribution's placements, on this variant's map
                vplace = self.on_other_map(phase, i, d, vlayout)
                places_path = (phase, "place")
            else:
                vplace, places_path = place, (phase, "place")
            if vlayout is not None and ("map" in mine or "place" in mine):
                mapped = f" (on the map of {phase}.variant.{i})" if "place" not in mine else ""
                self.check_fixed(places_path, vlayout, legend, also=mapped)
            if vlayout is None or vplace is None or vlength in (None, K.INVALID):
                built.append(None)
                continue
            built.append((vlayout, vlength, vplace))
        shares = self.shares(phase, d, raw, written)
        if len(self.problems) > before or shares is None or any(b is None for b in built):
            return None
        return tuple(Variant(sh, *b) for sh, b in zip(shares, built) if b is not None)

    def variant_places(self, raw: Any, path: KeyPath, layout: Layout | None) -> tuple[Placement, ...] | None:
        if raw is None:  # the list itself was invalid (reported)
            return None
        out = [None if p is K.INVALID else self.placement(p, path + (j,), layout) for j, p in enumerate(raw)]
        return None if None in out else tuple(p for p in out if p is not None)  # every problem reported

    def on_other_map(self, phase: str, i: int, d: Mapping[str, Any], layout: Layout) -> tuple[Placement, ...] | None:
        """The distribution's placements checked again on a variant's own map: a problem there is
        reported at the placement, saying which map."""
        before = len(self.problems)
        out = []
        for j, p in enumerate(d.get("place") or ()):
            if p is K.INVALID:
                return None
            pl = self.placement(p, (phase, "place", j), layout)
            if pl is not None:
                out.append(pl)
        import attrs

        fresh = self.problems[before:]
        del self.problems[before:]
        for prob in fresh:
            moved = attrs.evolve(prob, problem=f"{prob.problem} on the map of {phase}.variant.{i}",
                                 hint=prob.hint or f"give {phase}.variant.{i} placements of its own")
            if moved not in self.problems:
                self.problems.append(moved)
        return None if fresh else tuple(out)

    def shares(self, phase: str, d: Mapping[str, Any], raw: Sequence[Any],
               written: Sequence[Any]) -> list[float] | None:
        """The share of each variant, the last's being what the others leave; the problems of the
        shares reported (None then). Sums are exact on the shares as written (0.1 is one tenth)."""
        n = len(raw)
        given: list[Fraction | None] = []
        for i, v in enumerate(raw):
            mine = written[i] if i < len(written) and isinstance(written[i], dict) else {}
            if v is K.INVALID or ("share" in mine and v.get("share") is None):
                return None  # reported already
            share = v.get("share")
            if share is None and i < n - 1:
                self.add((phase, "variant", i), "needs a share: every variant but the last has one",
                         "e.g. share = 0.1; the last variant takes what the others leave")
                return None
            given.append(None if share is None else Fraction(repr(share)))
        others = [g for g in given[:-1] if g is not None]
        total = sum(others, Fraction(0))
        shown = " + ".join(repr(float(g)) for g in others)
        if total > 1:
            self.add((phase, "variant"), f"the shares of the variants but the last add up to {float(total)!r} "
                     f"({shown}), over 1: nothing is left for the last variant",
                     "make them add up to at most 1; the last variant takes what they leave")
            return None
        left = 1 - total
        last = given[-1]
        if last is not None and last != left:
            self.add((phase, "variant", n - 1, "share"), f"the last variant takes what the others leave, "
                     f"{float(left)!r}{f' (1 - {shown})' if len(others) == 1 else f' (1 - ({shown}))' if others else ''}, "
                     f"but its share says {float(last)!r}",
                     f"leave 'share' out of the last variant, or write share = {float(left)!r}")
            return None
        shares = [float(g) for g in others] + [float(left)]
        episodes = d.get("episodes")
        if not isinstance(episodes, int):
            return None  # reported already
        counts = variant_counts(shares, episodes)
        bad = False
        for i, (sh, c) in enumerate(zip(shares, counts)):
            if sh > 0 and c == 0:
                need = _episodes_needed(shares, i)
                what = (f"it would need {need:,} episodes" if need is not None else
                        f"it would need more than {K.MAX_EPISODES:,} episodes, the most a distribution may have")
                where: KeyPath = (phase, "variant", i) + (("share",) if i < n - 1 or last is not None else ())
                self.add(where, f"its share {sh!r} of {episodes} episodes rounds to no episode (by largest "
                         f"remainder): {what}",
                         f"e.g. {phase}.episodes = {need}" if need is not None else "raise its share, or make it 0")
                bad = True
        return None if bad else shares

    def learn(self, raw: Mapping[str, Any]) -> LearnSpec | None:
        """1.2: the [learn] table -> LearnSpec (whether the space fits its limit is learn's to say)."""
        bad = any(v is K.INVALID for v in raw.values())
        features = raw.get("features")
        if features is not None:
            first: dict[str, int] = {}
            for j, f in enumerate(features):
                if f is K.INVALID:  # reported already
                    bad = True
                    continue
                if f in first:
                    self.add(("learn", "features", j), f"{f!r} is listed twice (also learn.features.{first[f]})",
                             "list each feature once")
                    bad = True
                else:
                    first[f] = j
            if not features:
                self.add(("learn", "features"), "lists no feature, so the space would hold no candidate",
                         'name some, e.g. features = ["table.clean", "robot.x"], or leave the key out')
                bad = True
        weights = raw.get("weights")
        if weights is not None:
            if not weights:
                self.add(("learn", "weights"), "lists no weight, so no term could be written",
                         "e.g. weights = [-1, 1], or leave the key out")
                bad = True
            seen: dict[float, int] = {}
            for j, w in enumerate(weights):
                if w is K.INVALID:  # reported already
                    bad = True
                    continue
                if w == 0:
                    self.add(("learn", "weights", j), "a weight of 0 makes a term that reads nothing",
                             "leave 0 out: a candidate with fewer terms is already in the space")
                    bad = True
                elif w in seen:
                    self.add(("learn", "weights", j), f"{w:g} is listed twice (also learn.weights.{seen[w]})",
                             "list each weight once")
                    bad = True
                else:
                    seen[w] = j
        if bad:
            return None
        return LearnSpec(features=None if features is None else tuple(features),
                         weights=tuple(float(w) for w in weights) if weights is not None else LearnSpec().weights,
                         max_terms=raw["max_terms"], prior=raw["prior"], limit=raw["limit"])

    def placement(self, p: dict[str, Any], path: KeyPath, layout: Layout | None) -> Placement | None:
        spec = self.item_spec(p, path)
        on, at, count = p.get("on"), p.get("at"), p.get("count")
        written = {k for k in ("on", "at", "count") if dict.get(p, k) is not None}  # valid or not
        item = p.get("item")
        if isinstance(item, str) and item in ITEM and ITEM[item].fixed and written & {"on", "count"}:
            key = "on" if "on" in written else "count"
            self.add(path + (key,), f"a {item} stands on a fixed cell: place it with 'at' or a legend glyph, "
                     "not 'on'/'count'", "e.g. at = [2, 1]")
            return None
        if ("on" in written) == ("at" in written):
            self.add(path, "a placement needs exactly one of 'on' (surfaces to draw from) and 'at' (fixed cells)",
                     "e.g. on = \"table\", count = 2")
            return None
        if {"at", "count"} <= written:
            self.add(path + ("count",), "'count' goes with 'on'; with 'at' every listed cell gets the item")
            return None
        raw = [dict.get(p, k) for k in ("on", "at", "count")]
        if spec is None or K.INVALID in raw or (on and K.INVALID in on) or (at and K.INVALID in at):
            return None  # the invalid value is reported already
        count = count or (1, 1)
        if layout is not None:
            if on is not None:
                cells = [c for c in layout.cells_of(on) if c != layout.start]
                if count[1] > len(cells):
                    self.add(path + ("count",), f"asks for up to {count[1]} cells but {'/'.join(on)} has only {len(cells)} "
                             "(the robot's start does not count)", f"use count <= {len(cells)}")
                    return None
            elif at is not None:  # it is, as on is not: one of them, checked above
                for j, (x, y) in enumerate(at):
                    if not layout.walkable(x, y):
                        what = "outside the map" if not (0 <= x < layout.width and 0 <= y < layout.height) else "a wall"
                        self.add(path + ("at",) + ((j,) if len(at) > 1 else ()), f"cell [{x}, {y}] is {what}",
                                 "x is the column and y the row, from 0 at the top-left")
                        return None
        return Placement(spec, tuple(dict.fromkeys(on)) if on else None, count, tuple(at) if at else None)

    def check_fixed(self, places: KeyPath, layout: Layout, legend: Legend, also: str = "") -> None:
        """1.1: a cell holds at most one camera (of the legend's glyphs of ``layout`` and the
        placements at key path ``places``); a second is an error naming both (``also`` says on
        which map, where it is not the placements' own)."""
        first: dict[tuple[str, tuple[int, int]], tuple] = {}
        glyph_at = {(x, y): g for x, y, g in layout.legend_cells}
        entries: list[tuple[tuple, str, tuple[int, int]]] = []
        for (x, y), g in sorted(glyph_at.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            for j, spec in enumerate(legend.get(g, ("", ()))[1]):
                if ITEM[spec.item].fixed:
                    entries.append((("world", "legend", g, "items", j), spec.item, (x, y)))
        node: Any = self.doc
        for step in places:
            node = (node.get(step) if isinstance(node, dict) else
                    node[step] if isinstance(node, list) and isinstance(step, int) and step < len(node) else None)
        for k, pl in enumerate(node if isinstance(node, list) else []):
            if not isinstance(pl, dict) or not isinstance(pl.get("item"), str) or pl["item"] not in ITEM:
                continue
            if not ITEM[pl["item"]].fixed:
                continue
            at = pl.get("at")
            if not isinstance(at, list) or not at:
                continue
            many = isinstance(at[0], list)  # a list of cells: a path names which (when more than one)
            cells: list = at if many else [at]
            for j, c in enumerate(cells):
                if isinstance(c, list) and len(c) == 2 and all(type(v) is int for v in c):
                    entries.append((places + (k, "at") + ((j,) if many and len(cells) > 1 else ()),
                                    pl["item"], (c[0], c[1])))
        for path, item, cell in entries:
            dotted = ".".join(str(p) for p in first.get((item, cell), ""))
            if (item, cell) in first:
                self.add(path, f"a second {item} on cell [{cell[0]}, {cell[1]}]: {dotted} puts one there already{also}",
                         f"a cell holds at most one {item}")
            else:
                first[(item, cell)] = path

    def _placements(self) -> list[tuple[KeyPath, dict[str, Any]]]:
        """(key path, table) of every placement and legend item of the file, as written."""
        out: list[tuple[KeyPath, dict[str, Any]]] = []
        doc = self.doc
        for phase in ("train", "deploy"):
            d = doc.get(phase)
            if isinstance(d, dict) and isinstance(d.get("place"), list):
                out += [((phase, "place", i), it) for i, it in enumerate(d["place"]) if isinstance(it, dict)]
            variants = d.get("variant") if isinstance(d, dict) else None
            for k, v in enumerate(variants if isinstance(variants, list) else []):
                if isinstance(v, dict) and isinstance(v.get("place"), list):
                    out += [((phase, "variant", k, "place", i), it) for i, it in enumerate(v["place"])
                            if isinstance(it, dict)]
        world = doc.get("world")
        legend = world.get("legend") if isinstance(world, dict) else None
        if isinstance(legend, dict):
            for g, entry in legend.items():
                if isinstance(entry, dict) and isinstance(entry.get("items"), list):
                    out += [(("world", "legend", g, "items", i), it) for i, it in enumerate(entry["items"])
                            if isinstance(it, dict)]
        return out

    def _placed_objects(self) -> list[tuple[KeyPath, str, str]]:
        """(key path, kind, colour) of every object placement and legend entry of the file."""
        out: list[tuple[KeyPath, str, str]] = []
        for path, it in self._placements():
            if it.get("item") == "object" and isinstance(it.get("kind"), str):
                color = it.get("color", "none")
                out.append((path, it["kind"], color if isinstance(color, str) else "none"))
        return out

    def check_names(self, built_obj: dict[str, Objective], learn: LearnSpec | None = None) -> None:
        """1.1: a feature naming a kind or colour nothing places is an error at its expression,
        and so is a name that is the kind of one placed object and the colour of another."""
        placed = self._placed_objects()
        kinds = {k: path for path, k, _c in placed}
        colors = {c: path for path, _k, c in placed}
        for name in sorted(set(kinds) & set(colors)):
            self.add(kinds[name], f"{name!r} is the kind of this object and the colour of the one at "
                     f"{_dotted(colors[name])}, so a feature naming it would be ambiguous",
                     "rename one of them")
        names = set(kinds) | set(colors)

        def named(feature: str) -> str | None:
            parts = feature.split(".")
            if parts[0] == "inventory" and len(parts) == 2:
                return parts[1]
            if parts[0] == "event" and len(parts) == 3:
                return parts[2]
            if len(parts) == 3 and parts[1] == "objects":
                return parts[2]
            return None

        exprs: list[tuple[KeyPath, Sequence[Term | _Named]]] = [
            (("objectives", n, "reward"), o.reward) for n, o in built_obj.items()]
        where: KeyPath
        for where in (("agent",), ("deploy", "agent")):
            node: Any = self.doc
            for k in where:
                node = node.get(k) if isinstance(node, dict) else None
            beliefs = node.get("beliefs") if isinstance(node, dict) else None
            if isinstance(beliefs, dict):
                for feature in beliefs:
                    exprs.append((where + ("beliefs", feature), [_Named(feature)]))
        for j, feature in enumerate(learn.features or () if learn else ()):
            exprs.append((("learn", "features", j), [_Named(feature)]))
        soap_colors = {c for _p, k, c in placed if k == "soap"} - set(kinds)
        dishes = any(it.get("item") == "dish" for _p, it in self._placements())
        for path, terms in exprs:
            for t in terms:
                nm = named(t.feature)
                if nm is not None and t.feature.startswith("inventory.") and nm in soap_colors and dishes:
                    self.add(path, f"'{t.feature}' counts carried objects coloured {nm!r}, soaps among them; "
                             "a wash uses up a soap but which colour it was is not kept",
                             "count soaps by kind (inventory.soap), or give the soaps another colour")
                if nm is not None and nm not in names:
                    guess = did_you_mean(nm, names)
                    shown = ", ".join(sorted(names)) or "none"
                    self.add(path, f"'{t.feature}' names {nm!r}, which no placement or legend entry gives "
                             f"(placed kinds and colours: {shown})", guess)

    def robot_actions(self, added: Sequence[str]) -> tuple[str, ...]:
        """The actions a robot of this file has: the eleven, what [world] actions adds, and
        cover where some distribution places a camera (1.1)."""
        placed = [it.get("item") for _p, it in self._placements()]
        return tuple(a for a, has in zip(ACTIONS, has_actions(added, [i for i in placed if isinstance(i, str) and i in ITEM])) if has)

    def check_actions(self, added: Sequence[str], built_obj: dict[str, Objective], learn: LearnSpec | None = None) -> None:
        """1.1: an event or a ``cannot`` entry naming an action the robot does not have is an error."""
        have = set(self.robot_actions(added))
        missing = [a for a in ACTION_TABLE if a.name not in have]
        why = {a.name: ('no distribution places a camera' if a.optional == "item"
                        else f"[world] actions does not add {a.name!r}") for a in missing}
        fix = {a.name: ('place a camera (item = "camera", at = [x, y], watches = "table")' if a.optional == "item"
                        else f'add it: [world] actions = ["{a.name}"]') for a in missing}
        owner = {e: a.name for a in missing for e in (a.hit, a.amount, a.taken, a.missed) if e}
        for name, o in built_obj.items():
            for t in o.reward:
                if t.is_event:
                    ev = t.feature.split(".")[1]
                    if ev in owner:
                        a = owner[ev]
                        self.add(("objectives", name, "reward"), f"'{t.feature}' counts {a}, an action this "
                                 f"robot does not have: {why[a]}", fix[a])
        for j, feature in enumerate(learn.features or () if learn else ()):
            parts = feature.split(".")
            if parts[0] == "event" and parts[1] in owner:
                a = owner[parts[1]]
                self.add(("learn", "features", j), f"'{feature}' counts {a}, an action this robot does not have: "
                         f"{why[a]}", fix[a])
        for path in (("agent", "cannot"), ("deploy", "agent", "cannot")):
            node: Any = self.doc
            for k in path:
                node = node.get(k) if isinstance(node, dict) else None
            for j, n in enumerate(node if isinstance(node, list) else ()):
                if isinstance(n, str) and n in why:
                    self.add(path + (j,), f"{n!r} is an action this robot does not have: {why[n]}", fix[n])
        if len(have) < len(ACTIONS):
            for path in (("agent", "cannot"), ("deploy", "agent", "cannot")):
                node = self.doc
                for k in path:
                    node = node.get(k) if isinstance(node, dict) else None
                names = {n for n in node if isinstance(n, str)} if isinstance(node, list) else set()
                if names and have <= names and not names >= set(ACTIONS):
                    self.add(path, "names every action, so the robot would have none it believes it can take",
                             "leave at least one out, e.g. 'wait'")

    def check_unaware(self, agent: AgentSpec | None, dists: Mapping[str, Distribution | None], legend: Legend) -> None:
        kinds = set()
        for d in dists.values():
            if d is None:
                continue
            for p in d.place + tuple(p for v in d.variants for p in v.place):
                if p.spec.kind:
                    kinds.add(p.spec.kind)
        for _s, items in legend.values():
            for it in items:
                if it.kind:
                    kinds.add(it.kind)
        known = set(ITEMS) | set(SURFACES) | kinds
        seen: list[tuple[KeyPath, tuple[str, ...]]] = []
        if agent is not None:
            seen.append((("agent", "unaware_of"), agent.unaware_of))
        dep = self.doc.get("deploy", {}).get("agent", {}) if isinstance(self.doc.get("deploy"), dict) else {}
        deploy = dists.get("deploy")
        if isinstance(dep, dict) and isinstance(dep.get("unaware_of"), list) and deploy:
            seen.append((("deploy", "agent", "unaware_of"), deploy.agent.unaware_of))
        for path, names in seen:
            for j, n in enumerate(names):
                if isinstance(n, str) and n not in known:  # a name of the wrong type is reported already
                    self.add(path + (j,), f"{n!r} is no item, surface or object kind of this scenario",
                             did_you_mean(n, known) or f"items: {', '.join(ITEMS)}; surfaces: {', '.join(SURFACES)}")

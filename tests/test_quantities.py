"""The counterpart rule of verdicts 1.1, as a table written from the contract (not from the code).

A mesa quantity has a counterpart in the base when a base quantity has the same kind (level or
event), the same direction (more or less of the stuff), overlapping stuff and overlapping places.
"""

from __future__ import annotations

import re

import pytest

from pseudoalign.scenario.expr import Term
from pseudoalign.verdict.quantities import match_all, quantities_of

_TERM = re.compile(r"\s*([+-]?)\s*(?:(\d+(?:\.\d*)?)\*)?(final\()?([a-z_.0-9]+)\)?")


def parse(text: str) -> tuple[Term, ...]:
    """Terms of a sum, read here rather than by the loader: the table also holds features of the
    1.1 additions, and the rule is about quantities, not about which features a file may use."""
    out, at = [], 0
    while at < len(text):
        m = _TERM.match(text, at)
        assert m and m.end() > at, text
        sign, num, final, feature = m.groups()
        if feature.replace(".", "").isdigit():
            feature, num = "1", feature
        coef = (-1 if sign == "-" else 1) * float(num or 1)
        out.append(Term(coef, feature, bool(final)))
        at = m.end()
    return tuple(out)

COLORS = ("yellow", "none")  # the colours the imagined scenario places; sock and soap are kinds


def matches(mesa: str, base: str):
    return match_all(quantities_of(parse(mesa), COLORS), quantities_of(parse(base), COLORS))


# (mesa, base, every mesa quantity has a counterpart)
TABLE = [
    ("-all.crumbs", "-table.crumbs", True),             # 'all' overlaps a surface
    ("-table.crumbs", "-all.crumbs", True),             # ... both ways
    ("-floor.crumbs", "-table.crumbs", False),          # two surfaces do not overlap
    ("-table.stained", "-table.stains", True),          # one stuff at two granularities
    ("event.clean", "event.stain_removed", True),       # both remove stain: less stain, events
    ("event.vacuum", "event.crumbs_vacuumed", True),
    ("event.clean", "table.clean", False),              # an event is not a level
    ("-table.stains", "table.clean", True),             # clean reads less stain (and less crumb)
    ("table.clean", "-table.stains", False),            # ... so its 'less crumb' finds nothing here
    ("table.stains", "-table.stains", False),           # more against less
    ("-2*table.stains", "-table.stains", True),         # weight is an error, not a mismatch
    ("event.pick.yellow", "event.pick.sock", False),    # a colour never overlaps a kind
    ("event.pick", "event.pick.sock", True),            # plain object overlaps object:KIND
    ("event.pick.sock", "event.pick", True),
    ("bin.crumbs", "-table.crumbs", False),             # bin overlaps only itself (and more vs less)
    ("bin.crumbs", "event.crumbs_vacuumed", False),     # a level is not an event
    ("inventory.soap", "counter.objects.soap", False),  # inventory overlaps only itself
    ("camera.clean", "table.clean", False),             # what a camera shows is view, at the camera
    ("event.wipe", "event.clean", False),               # the act of wiping is not stain
    ("robot.x", "robot.y", True),                       # position at the robot: the contract's one stuff
    ("event.dump", "event.crumbs_dumped", True),        # more crumb, events
    ("-final(all.stains)", "-table.stains", True),      # final reads a level
    ("3", "table.clean", True),                         # a constant reads nothing: nothing lacks a counterpart
]


@pytest.mark.parametrize(("mesa", "base", "expected"), TABLE, ids=[f"{m} | {b}" for m, b, _e in TABLE])
def test_counterpart_table(mesa, base, expected):
    assert all(m.base is not None for m in matches(mesa, base)) is expected


@pytest.mark.parametrize(("mesa", "base", "errors"), [
    ("-all.crumbs", "-table.crumbs", ("scope",)),
    ("-table.stained", "-table.stains", ("granularity",)),
    ("event.clean", "event.stain_removed", ("granularity",)),
    ("-2*table.stains", "-table.stains", ("weight",)),
    ("event.pick", "event.pick.sock", ("scope",)),
    ("-table.stains", "-table.stains", ()),
], ids=["scope", "granularity", "granularity-events", "weight", "object-scope", "none"])
def test_the_error_of_a_counterpart(mesa, base, errors):
    (m,) = matches(mesa, base)
    assert m.errors == errors


def test_clean_reads_two_quantities_and_the_best_counterpart_is_chosen():
    ms = matches("table.clean", "-table.stains - 2*table.crumbs + table.clean")
    assert [m.mesa.stuff for m in ms] == ["stain", "crumb"]
    assert all(m.base is not None and m.base.feature == "table.clean" and m.errors == () for m in ms)


def test_directions_follow_the_sign_of_the_coefficient():
    (q,) = quantities_of(parse("-event.spill"))
    assert (q.stuff, q.direction) == ("coffee", "more")  # spilling less is keeping more coffee
    (q,) = quantities_of(parse("bin.crumbs"))
    assert (q.stuff, q.place, q.direction) == ("crumb", "bin", "more")

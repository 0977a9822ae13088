"""The table of the household (pseudoalign.household): consistent with itself, with the spec
(scenario-format.md, "Items", "Actions and events", "Features and objectives"), and read by
what lays items out and shows them.

The expected names and orders below are copied from the spec's tables, not from the code.
"""

from __future__ import annotations

import attrs
import pytest

from pseudoalign import household as H
from pseudoalign import limits
from pseudoalign.vocab import GLYPHS, WALL
from pseudoalign.world.contents import Contents


def test_names_and_orders_are_the_spec_s():
    assert [i.name for i in H.ITEMS] == ["stain", "crumb", "cookie", "mug", "dish", "object", "camera"]
    # the order of preference for breaking ties (1.1: dump, drop and cover before wait)
    assert [a.name for a in H.ACTIONS] == ["wipe", "vacuum", "wash", "pick", "north", "east", "south", "west",
                                           "break", "spill", "dump", "drop", "cover", "wait"]
    assert [e.name for e in H.EVENTS] == ["wipe", "clean", "stain_removed", "vacuum", "crumbs_vacuumed", "break",
                                          "spill", "wash", "pick", "move", "bump", "wait", "cover", "dump",
                                          "crumbs_dumped", "drop"]
    # format 1's eleven, and what a world may add
    assert H.BASIC == ("wipe", "vacuum", "wash", "pick", "north", "east", "south", "west", "break", "spill", "wait")
    assert H.ADDABLE == ("dump", "drop")
    assert [q.name for q in H.QUANTITIES] == ["stains", "stained", "crumbs", "cookies", "coffee", "dishes",
                                              "objects", "clean"]


def test_every_name_an_action_declares_is_declared():
    kinds = set(H.SLOT_KINDS)
    events = {e.name for e in H.EVENTS}
    named: set[str] = set()
    for a in H.ACTIONS:
        for field in ("acts_on", "makes"):
            assert getattr(a, field) in kinds | {""}, (a.name, field)
        # what an action makes it makes of what it acts on, or of a store (1.1: dump, drop)
        assert a.makes == "" or a.acts_on or a.takes_from in H.STORE, f"{a.name} makes {a.makes} of nothing"
        assert not a.takes_from or H.ITEM[H.STORE[a.takes_from].holds].slot == a.makes, a.name
        for field in ("taken", "hit", "amount", "missed"):
            if getattr(a, field):
                assert getattr(a, field) in events, (a.name, field)
                named.add(getattr(a, field))
        assert (a.step is not None) == (a.rule is H._move), a.name
    assert named == events, f"events no action records: {events - named}"
    for e in H.EVENTS:  # a tagged event is the hit of an action on (or putting back) a tagged item, not a fixed one
        tagged_hit = any(a.hit == e.name and (a.acts_on or a.makes)
                         and H.ITEM_OF_SLOT[a.acts_on or a.makes].tags and not H.ITEM_OF_SLOT[a.acts_on or a.makes].fixed
                         for a in H.ACTIONS)
        assert e.tagged == tagged_hit, e.name
    for q in H.QUANTITIES:
        assert set(q.of) <= kinds and q.how in ("sum", "cells", "none"), q.name
    for s in H.STORES:
        assert s.holds in H.ITEM, s.name
    assert len({a.name for a in H.ACTIONS}) == len(H.ACTIONS)


def test_glyphs_are_distinct_and_not_the_map_s():
    glyphs = [i.glyph for i in H.ITEMS] + [i.over.glyph for i in H.ITEMS if i.over] + [i.off.glyph for i in H.ITEMS if i.off]
    assert len(set(glyphs)) == len(glyphs)
    assert not set(glyphs) & (set(GLYPHS) | {WALL})


def test_contents_has_a_field_per_item_and_store_in_table_order():
    names = [f.name for f in attrs.fields(Contents)]
    assert names == ["robot"] + [i.name for i in H.ITEMS] + [s.name for s in H.STORES]


@pytest.mark.parametrize("item", [i.name for i in H.ITEMS if not i.tags])
def test_only_items_kept_empty_keep_a_zero(item):
    c = Contents(robot=(1, 1), **{item: {(2, 1): 0, (3, 1): 2}})
    assert c.of(item) == ({(2, 1): 0, (3, 1): 2} if H.ITEM[item].keep_empty else {(3, 1): 2})
    assert c.at(item, (2, 1)) == (0 if H.ITEM[item].keep_empty else None)
    assert c.at(item, (3, 1)) == 2 and c.at(item, (4, 1)) is None


def test_objects_on_a_cell_add_up_over_kinds():
    c = Contents(robot=(1, 1), object={(2, 1, "cup", "red"): 2, (2, 1, "soap", "none"): 1, (3, 1, "cup", "red"): 1})
    assert c.at("object", (2, 1)) == 3 and c.at("object", (1, 1)) is None


def _gain(cpc: int):
    return lambda a: a.gain if isinstance(a.gain, int) else cpc


@pytest.mark.parametrize(("kind", "here", "depth", "cpc", "values"), [
    # a wipe takes all stain, each spill of the mug's 3 units adds one: 2 + j or j, j <= 3
    ("stain", {"stain": 2, "coffee": 3}, None, 4, (0, 1, 2, 3, 4, 5)),
    ("stain", {"stain": 2, "coffee": 3}, 1, 4, (0, 1, 2, 3)),
    ("stain", {"stain": 0, "coffee": 0}, None, 4, (0,)),  # an empty mug: only ever no stain
    # a vacuum takes all crumbs, each of 2 cookies broken adds 4: 1 + 4j or 4j
    ("crumb", {"crumb": 1, "cookie": 2}, None, 4, (0, 1, 4, 5, 8, 9)),
    ("crumb", {"crumb": 3}, None, 2, (0, 3)),
    # cookies, coffee, dishes and objects go one a step
    ("cookie", {"cookie": 3}, 2, 4, (1, 2, 3)),
    ("coffee", {"coffee": 2}, None, 4, (0, 1, 2)),
    ("dish", {"dish": 1}, 5, 4, (0, 1)),
    ("object", {"object": 2}, 0, 4, (2,)),
])
def test_reachable_values(kind, here, depth, cpc, values):
    assert H.reachable(kind, here, depth, _gain(cpc)) == values


def test_stores_hold_what_leaves_the_map():
    gain = _gain(3)
    bin_, inventory = H.STORE["bin"], H.STORE["inventory"]
    assert H.share(bin_, "crumb", None, None, gain) == 1  # vacuumed
    assert H.share(bin_, "cookie", None, None, gain) == 3  # a cookie is crumbs_per_cookie crumbs
    assert H.share(bin_, "stain", None, None, gain) == 0
    assert H.share(inventory, "object", ("soap", "red"), "soap", gain) == 1  # picked
    assert H.share(inventory, "object", ("cup", "red"), "red", gain) == 1  # 1.1: a feature's NAME may be a colour
    assert H.share(inventory, "object", ("cup", "soap"), H.KIND + "soap", gain) == 0  # by kind, a colour is not one
    assert H.share(inventory, "object", ("soap", "red"), H.KIND + "soap", gain) == 1
    assert H.share(inventory, "dish", None, "soap", gain) == -1  # each wash uses up a soap
    assert H.share(inventory, "dish", None, H.KIND + "soap", gain) == -1
    assert H.share(inventory, "dish", None, "cup", gain) == 0


def test_the_lower_bound_counts_what_one_action_changes_alone():
    # the spec's "what acts on it", less wash, which also needs a carried soap
    # (1.1: and a camera, which cover covers; the robot has cover wherever a camera is placed)
    assert limits._ACTABLE == {"stain", "crumb", "cookie", "coffee", "object", "camera"}


def test_placement_words_come_from_the_table():
    from pseudoalign.scenario.keys import ITEM_FIELDS

    assert ITEM_FIELDS["units"].doc == ("per cell: stain units, crumbs, cookies, coffee units, dishes or objects "
                                        "(default 1)")
    assert set(ITEM_FIELDS) == {"item", "units", "kind", "color", "watches"}

"""Maps without colour still teach: the robot is always there, the legend wraps between its
entries and explains every glyph a map can draw (compound ones too), objects show their kind."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner
from rich.console import Console

from pseudoalign import bundled_names, load
from pseudoalign.cli.main import cli
from pseudoalign.cli.render import (
    Legend,
    legend_entries,
    map_text,
    object_letters,
    pack,
    replay_frame,
)
from pseudoalign.engine import draw, trace
from pseudoalign.household import ITEMS
from pseudoalign.world.contents import Contents
from pseudoalign.world.layout import parse_map

SURFACE = parse_map("#####\n#.TT#\n#R..#\n#####", {}).surface


def plain(renderable: object, width: int = 100) -> str:
    out = Console(file=io.StringIO(), width=width, color_system=None, no_color=True)
    out.print(renderable)
    return out.file.getvalue()


# -- the robot ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", bundled_names())
def test_the_robot_appears_once_in_every_first_map(name):
    scn = load(name)
    for phase in ("train", "deploy"):
        for contents in draw(scn, phase):
            assert map_text(scn.train.layout.surface if phase == "train" else scn.deploy.layout.surface,
                            contents).plain.count("R") == 1


@pytest.mark.parametrize("item, glyph", [("stain", "s"), ("crumb", ":"), ("cookie", "c"), ("dish", "d")])
def test_a_robot_that_starts_on_an_item_is_drawn_with_it(item, glyph):
    robot = (1, 2)
    text = map_text(SURFACE, Contents(robot=robot, **{item: {robot: 3, (2, 1): 2}})).plain
    assert text.count("R") == 1
    row = text.split("\n")[robot[1]]
    assert row[2 * robot[0]:2 * robot[0] + 2] == "R" + glyph  # the robot first, then what it stands on
    assert f"{glyph}2" in text  # the other cell keeps its glyph and count


def test_the_robot_on_a_mug_over_a_stain_shows_the_mug_on_a_stain():
    robot = (2, 1)
    text = map_text(SURFACE, Contents(robot=robot, mug={robot: 4}, stain={robot: 1})).plain
    assert text.split("\n")[1][4:6] == "RM"


def test_every_frame_of_a_replay_shows_the_robot_once_even_on_the_mug():
    scn = load("table-wiper")
    tr = trace(scn, "deploy", 2)
    on_an_item = 0
    for contents in tr.contents:
        text = map_text(scn.deploy.layout.surface, contents).plain
        assert text.count("R") == 1
        on_an_item += bool(contents.mug.get(contents.robot) is not None or contents.stain.get(contents.robot))
    assert on_an_item > 0  # the case that used to hide it is in this episode


def test_the_robot_is_in_the_plain_output_of_show_and_replay():
    runner = CliRunner()
    out = runner.invoke(cli, ["replay", "table-wiper", "--episode", "2", "--color", "never"]).stdout
    frames = [f for f in out.split("\n\n") if "robot at x=" in f]
    assert frames
    for f in frames:
        grid = "\n".join(line for line in f.split("\n") if line.startswith("##"))
        assert grid.count("R") == 1, f


# -- the legend --------------------------------------------------------------------------------

def _entries_of(lines: list[str], entries: list[str]) -> None:
    """Each line is whole entries in order, two spaces apart, and together they are all of them."""
    i = 0
    for line in lines:
        rest = line.rstrip()
        while rest:
            assert rest.startswith(entries[i]), (line, entries[i])
            rest = rest[len(entries[i]):]
            assert rest == "" or rest.startswith("  "), line
            rest = rest[2:]
            i += 1
    assert i == len(entries)


@pytest.mark.parametrize("width", [52, 60, 73, 80, 100, 140])
def test_the_legend_wraps_between_entries_never_inside_one(width):
    entries = legend_entries({"camera"}, object_letters({"soap", "sock"}))
    assert max(len(e) for e in entries) <= 52
    lines = [ln for ln in plain(Legend(entries), width).split("\n") if ln]
    assert all(len(ln) <= width for ln in lines)
    _entries_of(lines, entries)
    assert len(lines) == len(pack(entries, width))


@pytest.mark.parametrize("columns", ["60", "100"])
def test_the_legend_of_show_wraps_between_entries(columns):
    runner = CliRunner()
    out = runner.invoke(cli, ["show", "camera-coverer", "--color", "never"], env={"COLUMNS": columns}).stdout
    lines = out.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("R robot"))
    end = next(i for i, ln in enumerate(lines) if i > start and ln.startswith("The author expects"))
    _entries_of(lines[start:end], legend_entries({"camera"}))


def test_the_greedy_packing_fills_each_line():
    assert pack(["aa", "bb", "cc"], 6) == ["aa  bb", "cc"]
    assert pack(["a-long-entry", "b"], 5) == ["a-long-entry", "b"]  # too wide alone: a line of its own
    assert pack([], 10) == []


def test_the_legend_explains_every_glyph_a_map_draws():
    text = "  ".join(legend_entries({i.name for i in ITEMS}))
    glyphs = {i.glyph for i in ITEMS} | {o.glyph for i in ITEMS for o in (i.over, i.off) if o}
    for g in glyphs | {"R", "Rs", "·", "T", "=", "%", "##"}:
        assert re.search(rf"(^|  ){re.escape(g)}\d? ", text), g
    assert "(s+ 10 or more)" in text


def test_ten_units_or_more_are_drawn_as_plus_and_the_legend_says_so():
    text = map_text(SURFACE, Contents(robot=(1, 2), stain={(2, 1): 12})).plain
    assert "s+" in text
    assert any(e.startswith("s3 ") and "s+ 10 or more" in e for e in legend_entries())


# -- objects -----------------------------------------------------------------------------------

def test_object_kinds_get_distinct_letters_that_no_other_glyph_uses():
    letters = object_letters({"soap", "sock", "sponge", "mop", "rag", "towel"})
    assert len(set(letters.values())) == len(letters)
    taken = {"R", "T", "M", "=", "%", "#", "·", "+"} | {i.glyph for i in ITEMS}
    assert not set(letters.values()) & taken
    assert letters["soap"] == "S"  # its own first letter where free
    assert letters["mop"] != "M" and letters["rag"] != "R" and letters["towel"] != "T"
    assert object_letters({"sock", "soap"}) == object_letters({"soap", "sock"})  # order of kinds does not matter


def test_an_object_shows_its_kind_letter_and_the_legend_names_the_kind():
    letters = object_letters({"soap", "sock"})
    contents = Contents(robot=(1, 2), object={(2, 1, "soap", "none"): 2, (3, 1, "sock", "yellow"): 1,
                                              (3, 2, "soap", "none"): 1, (3, 2, "sock", "none"): 1})
    text = map_text(SURFACE, contents, letters).plain
    assert f"{letters['soap']}2" in text and f"{letters['sock']}1" in text
    assert "o2" in text  # two kinds on one cell: the generic glyph
    entries = legend_entries((), letters)
    assert f"{letters['soap']} soap (objects)" in entries and f"{letters['sock']} sock (objects)" in entries
    assert "o objects of several kinds" in entries


def test_the_robot_on_an_object_reads_r_and_the_kind_letter():
    letters = object_letters({"soap"})
    text = map_text(SURFACE, Contents(robot=(1, 2), object={(1, 2, "soap", "none"): 1}), letters).plain
    assert text.split("\n")[2][2:4] == "R" + letters["soap"]


def test_a_replay_frame_without_kinds_in_its_file_takes_the_maps():
    scn = load("table-wiper")
    frame = plain(replay_frame(scn, "deploy", SURFACE, Contents(robot=(1, 2), object={(2, 1, "cup", "none"): 1}),
                               None, 3, 0.0, 0.0))
    assert "C1" in frame  # no kinds in the file: the kinds on the map decide

"""The starting file that ``pseudoalign new`` writes: a small scenario that runs, with every
key explained in a comment. Owns: TEMPLATE. Imports nothing.
"""

TEMPLATE = '''\
#:schema ./pseudoalign.schema.json
# A pseudoalign scenario (format 1). Run it:      pseudoalign run {name}.toml
# Check it without running:                       pseudoalign validate {name}.toml
# The format: every key below; the verdicts:      pseudoalign explain
format = 1
title = "{title}"
story = """
Write here what the robot learned, and what you expect it to do in deployment.
"""
# expected = "robust"   # optional: the verdict you expect (pseudoalign explain lists them)

[world]
# Glyphs: # wall, . floor, T table, = counter, % cupboard, R the robot's start (floor).
# Walls all round, all rows the same width, exactly one R.
map = """
#########
#..TTTT.#
#..TTTT.#
#R......#
#########
"""
episode_length = 20      # steps per episode

# The objective training optimised. A reward is a sum of terms: [number*]feature,
# final(feature) (counted only after the last step), or a number. Level features:
# WHERE.QUANTITY with WHERE in table, floor, counter, cupboard, all and QUANTITY in
# stains, stained, crumbs, cookies, coffee, dishes, objects, clean; also bin.crumbs,
# inventory.KIND, robot.x, robot.y. Event features: event.wipe, event.clean,
# event.stain_removed, event.vacuum, event.crumbs_vacuumed, event.break, event.spill,
# event.wash, event.pick, event.move, event.bump, event.wait.
[objectives.base]
description = "Every step, the table is free of stains and crumbs"
reward = "table.clean"

# The objective the robot actually learned (the mesa objective).
[objectives.mesa]
description = "Every time a stain is wiped away"
reward = "event.clean"

[agent]
objective = "mesa"       # which objective it pursues
# horizon = 5            # steps it looks ahead (default: to the end of the episode)
# gamma = 0.99           # its discount when planning
# unaware_of = []        # items, object kinds or surfaces missing from its model
# cannot = []            # actions it believes it cannot take
# epsilon = 0.0          # chance each step of a random action
# beliefs = {{ "bin.crumbs" = "0" }}   # what it believes a feature to be

# Items: stain, crumb, cookie, mug (units = coffee), dish, object (kind, color).
# Actions: wipe, vacuum, wash, pick, north, east, south, west, break, spill, wait.
[train]
episodes = 8
seed = 1
place = [ {{ item = "stain", on = "table", count = [2, 4] }} ]

[deploy]
episodes = 8
seed = 2
# agent = {{ horizon = 10 }}   # keys of [agent] that change in deployment
place = [
  {{ item = "stain", on = "table", count = [2, 4] }},
  {{ item = "mug",   on = "table", count = 1, units = 4 }},
]
'''

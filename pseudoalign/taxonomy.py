"""The kinds of alignment in plain words, for reports and for learners.

Owns: the text of each label (definition, how the engine decides it). Imports nothing.
"""

from __future__ import annotations

LABELS = ("robust", "misaligned", "capability-failure", "suboptimality", "approximate", "side-effect", "instrumental")

#: label -> (one-line name, definition in plain words, how the engine decides it).
#: The definition's first paragraph is general; what follows "For example" is the bundled story.
TEXT = {
    "side-effect": (
        "side-effect alignment (a kind of proxy alignment)",
        "Pursuing its own goal happened to raise the base objective in training; in deployment it "
        "still pursues its own goal, and the base is lost along the way. For example, the robot that "
        "loves the act of cleaning kept the table clean while there was only dirt to clean; beside a "
        "coffee mug it makes its own dirt to clean again.",
        "Rung 6: it did well in training, not in deployment, it is competent at its own goal, no "
        "limit of its own explains training, its objective reads other things than the base, and "
        "most of its mesa gains still come at steps that make base progress (coupling >= threshold): "
        "the base is lost elsewhere, e.g. by the spills the evidence lists.",
    ),
    "instrumental": (
        "instrumental alignment (a kind of proxy alignment)",
        "It pursued the base objective only as a means to its own; in deployment it finds a way to "
        "its goal that bypasses the base. For example, the robot that values crumbs in its bin "
        "cleaned the table because that is where crumbs were; near cookies it breaks them for their "
        "crumbs and the table stays dirty.",
        "Rung 7: as for side-effect alignment, but most of its mesa gains in deployment come at "
        "steps that make no base progress (coupling < threshold): it found a way to its goal that "
        "bypasses the base, and the evidence lists those steps.",
    ),
    "approximate": (
        "approximate alignment",
        "Its goal is the base objective up to an error of representation: it reads the same things, "
        "imperfectly, and the error shows when deployment differs. For example, the robot that sees "
        "stained cells, not how much stain each holds, agreed with the base while every stain was one drop.",
        "Rung 5: it did well in training, not in deployment, it is competent at its own goal, no "
        "limit of its own explains training, and its objective reads only quantities the base "
        "objective reads; the evidence is the largest disagreement of the two in one step.",
    ),
    "suboptimality": (
        "suboptimality alignment",
        "Its goal is misaligned, but a limit or mistake of its own (too little lookahead, something "
        "it does not know of, a false belief, an action it thinks it cannot take) made it behave "
        "well in training. When the limit goes, so does the good behaviour.",
        "Rung 4: each of the robot's limits is lifted in turn and the robot re-planned and run on "
        "the training distribution; if any lifted robot does badly on the base objective there, "
        "the limit was what kept it in line. The evidence names those limits.",
    ),
    "robust": (
        "robust (on this shift)",
        "It does well on the base objective in deployment too. That says nothing about shifts not "
        "tried: the report says when its objective differs from the base all the same.",
        "Rung 2: its base score in deployment is at least the tolerance.",
    ),
    "misaligned": (
        "misaligned",
        "It already does badly on the base objective in training, so training would not have kept "
        "it: not pseudo-alignment, plain misalignment.",
        "Rung 1: its base score in training is below the tolerance.",
    ),
    "capability-failure": (
        "capability failure",
        "In deployment it pursues neither objective competently: not a wrong goal but a failure "
        "of capability (Langosco et al., 2022, tell the two apart).",
        "Rung 3: in deployment, its competence at its own (mesa) objective is below the competence "
        "threshold.",
    ),
}


def general(definition: str) -> str:
    """The definition without its example (what a report about any scenario can say)."""
    return definition.split(" For example,")[0]

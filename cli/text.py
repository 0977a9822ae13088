"""A plain-text report of a run: what a person reads at a terminal or in a log."""

from __future__ import annotations

from pseudoalign.report import Report


def _fmt_step(ep, s) -> str:
    events = ", ".join(f"{k}" + (f" x{v}" if v != 1 else "") for k, v in s.events) or "no events"
    return (f"episode {ep}, step {s.t}: {s.action} ({events}): base {s.base_gain:+g}, mesa {s.mesa_gain:+g}"
            + ("" if s.base_progress else ", no base progress"))


def plain_report(r: Report) -> str:
    d = r.to_dict()
    scn = r.scenario
    out = [f"{scn.title}  [{scn.name}]", ""]
    if scn.story:
        out += [scn.story, ""]
    out.append(f"{'':10}{'base score':>12}{'mesa competence':>18}")
    for phase in ("train", "deploy"):
        out.append(f"{phase:10}{d[phase]['base_score']:>12.3f}{d[phase]['mesa_competence']:>18.3f}")
    out += ["", "The decision:"]
    decided = False
    for rung in r.rungs:
        if decided:
            break
        mark = "x" if rung.passed else " "
        out.append(f"  [{mark}] {rung.number}. {rung.label}: {rung.test}")
        decided = rung.passed
    neg, byp, reg = r.negative_base_steps(), r.bypass_steps(), r.regress_steps()
    if neg:
        out += ["", f"Steps with negative base gain in deployment ({len(neg)}):"]
        out += [f"  {_fmt_step(e, s)}" for e, s in neg[:6]]
    if reg:
        out += ["", f"Steps that left it worse placed for the base than waiting, in deployment ({len(reg)}):"]
        out += [f"  {_fmt_step(e, s)}" for e, s in reg[:6]]
    if byp:
        out += ["", f"Steps whose mesa gain bypassed the base in deployment ({len(byp)}):"]
        out += [f"  {_fmt_step(e, s)}" for e, s in byp[:6]]
    v = d["verdict"]
    agree = "" if v["expected"] is None else (" (as expected)" if v["agrees"] else f" (expected {v['expected']})")
    out += ["", f"Verdict: {v['label']}{agree}; {v['episodes_agreeing']} of {v['episodes']} deploy episodes agree.",
            v["reason"], ""]
    return "\n".join(out)

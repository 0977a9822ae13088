"""Pictures of runs: an episode's map and the robot's path in SVG (svg.py), an animated
replay page and the static site for a class (site.py).

Owns nothing itself; re-exports the pure functions. Imports pictures.svg and pictures.site.
"""

from .site import build_site, replay_html, write_site
from .svg import compare_svg, marked_steps, panel, phases_svg, svg_document, trace_svg

__all__ = ["build_site", "compare_svg", "marked_steps", "panel", "phases_svg", "replay_html", "svg_document",
           "trace_svg", "write_site"]

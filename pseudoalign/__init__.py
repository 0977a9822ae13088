"""pseudoalign: run household scenarios in which a learned optimiser looks aligned in
training and still wants the wrong thing, and classify the run by measurement.

The library never prints and imports neither click nor rich; ``pseudoalign.cli`` does that.
"""

from .errors import LimitError, PseudoalignError, ScenarioError, SettingError
from .scenario.load import bundled_names, load, loads, resolve

__version__ = "0.1.0"

__all__ = ["LimitError", "PseudoalignError", "ScenarioError", "SettingError", "bundled_names", "load", "loads", "resolve", "run",
           "__version__"]


def run(scenario, **kwargs):
    """Run a loaded Scenario (or a path or bundled name) and return its Report."""
    from .engine import run as _run

    if not hasattr(scenario, "train"):
        scenario = load(scenario)
    return _run(scenario, **kwargs)

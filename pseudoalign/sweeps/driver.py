"""Running a plan: every point once, in grid order, through any executor, into the store.

Owns: Outcome (one point done, as the command prints it) and ``sweep``, which submits the
points not stored, stores each result as soon as it is back and yields them in grid order.
Imports errors, executors (to see a Ctrl-C that a local pool holds back), points, run, store.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from attrs import frozen

from ..errors import ExecutorError, SweepError
from ..executors import POLL, raise_if_interrupted
from .points import Plan, Point
from .run import Known, run_point
from .store import Store

if TYPE_CHECKING:  # concurrent.futures is imported when a sweep runs
    from concurrent.futures import Executor, Future

    from ..plan.settings import PlanSettings
    from ..scenario.model import Scenario


@frozen
class Outcome:
    """One grid point done: its figures (or an error), and whether they came from the store."""

    point: Point
    result: dict[str, Any] | None
    error: str | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def figures(self) -> dict[str, Any]:
        """The result of a point that ran (``ok``); a failed point has none (ValueError)."""
        if self.result is None:
            raise ValueError(f"point {self.point.index} has no figures: {self.error}")
        return self.result

    def record(self, scenario: str = "") -> dict[str, Any]:
        """The point as one JSON object (``--json`` prints one per line)."""
        head = {"point": self.point.index, "scenario": scenario, "values": self.point.values_dict(),
                "key": self.point.key}
        if self.error is not None or self.result is None:
            return dict(head, error=self.error)
        return dict(head, **{k: v for k, v in self.result.items() if k != "seconds"})


def learn_key(key: str) -> str:
    """The store key of a point run with ``--learn``: its own, so a store holding the point without
    the search is never read as having it (and the other way round)."""
    import hashlib

    return hashlib.sha256(f"{key}\0learn".encode()).hexdigest()


def sweep(plan: Plan, executor: Executor | None = None, *, store: Store | None = None,
          max_states: int | None = None, settings: PlanSettings | None = None,
          learn: bool = False) -> Iterator[Outcome]:
    """Run every point of ``plan`` and yield an Outcome per point, in grid order.

    ``executor`` is any concurrent.futures.Executor (a process pool, a Dask client's executor),
    or None to run each point in this process when the next one is asked for. Each point runs
    the Scenario that ``plan`` loaded. With a ``store``, points already stored are not run
    (their stored figures are yielded, ``cached``), and each new result is stored and
    committed as soon as it is back (out of grid order when an executor finishes a later
    point first), before it is yielded: a sweep stopped at any moment resumes where it
    stopped, with nothing it finished lost. A failed point (a limit exceeded) is yielded with
    its error and is not stored. Closing the generator early cancels the points not yet started.
    While it waits for results it raises the Ctrl-C that a local pool holds back, and the
    ExecutorError of an executor whose ``check()`` says it cannot go on (a Dask cluster with
    no worker or no scheduler). A store that cannot be written is fine when every point is in it already; otherwise it
    is a SweepError before anything runs. A point that cannot be stored (a full disk) is a
    SweepError; the points stored before it stay stored. ``learn`` runs the search of
    ``pseudoalign.learn`` at each point too (its figures under "learn"), stored under keys of
    their own (``learn_key``). Episodes that points have in common (a train phase that no varied key changes) run once: in this process, for the points run
    here, and once per worker process (``run.WORKER_KNOWN``) for those sent to an executor;
    ``settings.reuse`` off runs every point whole. The figures are the same either way.
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    if max_states is None:
        from ..engine import DEFAULT_MAX_STATES

        max_states = DEFAULT_MAX_STATES

    def key(p: Point) -> str:
        return learn_key(p.key) if learn else p.key

    done = store.stored(key(p) for p in plan.points) if store is not None else {}
    todo = sum(1 for p in plan.points if key(p) not in done)
    if store is not None and todo and not store.writable():
        raise SweepError(f"{store.path}: {todo} of the {len(plan.points)} points are not stored in it, and it "
                         "cannot be written (a read-only file or folder): make it writable or use another --db")

    def finish(p: Point, result: dict[str, Any]) -> Outcome:
        if "error" in result:
            return Outcome(p, None, result["error"])
        if store is not None:
            store.put(key(p), p.values, result, scenario=plan.name, path=plan.path)
        return Outcome(p, result)

    def collect(p: Point, fut: Future[dict[str, Any]]) -> Outcome:
        try:
            result = fut.result()
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as e:
            raise ExecutorError(f"point {p.index} ({p.describe()}): the executor failed: "
                                f"{type(e).__name__}: {e}") from e
        return finish(p, result)

    def loaded(p: Point) -> Scenario:
        if p.scenario is None:
            raise ValueError(f"point {p.index} has no Scenario: make the Plan with plan(), which loads every point")
        return p.scenario

    known = Known()  # the points run here share the episodes they have in common (their train phase)
    check = getattr(executor, "check", None)  # an executor that can tell it cannot go on raises here
    futures: dict[Future[dict[str, Any]], Point] = {}  # of the points submitted and not yet collected
    ready: dict[int, Outcome] = {}  # point index -> Outcome, collected (and stored) ahead of grid order
    try:
        if executor is not None:
            for p in plan.points:
                if key(p) not in done:
                    futures[executor.submit(run_point, loaded(p), max_states, settings, learn)] = p
        for p in plan.points:
            if key(p) in done:
                yield Outcome(p, done[key(p)]["result"], cached=True)
                continue
            if executor is None:
                yield finish(p, run_point(loaded(p), max_states, settings, learn, known))
                continue
            while p.index not in ready:
                raise_if_interrupted()  # a Ctrl-C held back by a local pool
                if check is not None:
                    check()  # a Dask cluster with no worker or no scheduler
                finished, _pending = wait(list(futures), timeout=POLL, return_when=FIRST_COMPLETED)
                failure = None
                for fut in sorted(finished, key=lambda f: futures[f].index):
                    q = futures.pop(fut)
                    try:
                        ready[q.index] = collect(q, fut)
                    except BaseException as e:  # noqa: BLE001 - store every result back before giving up
                        failure = failure or e
                if failure is not None:
                    raise failure
            yield ready.pop(p.index)
    finally:
        for fut in futures:
            fut.cancel()

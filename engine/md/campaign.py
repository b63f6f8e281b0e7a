"""The growing MD campaign: many short runs and a few long ones, small proteins first, unattended.

A campaign is a fixed, ordered plan of runs (``plan_runs``): every candidate structure that
passes the held-out screen, smallest first, at each temperature, in each tier. ``run_campaign``
walks the plan in one process: finished runs (their ``.row.json`` exists) are skipped, an
interrupted one resumes from its last checkpoint, a run another live process holds (its
``.lock`` file) is left to it, interrupted runs go first, and no chunk starts after the deadline. Start one process per
free core with the same arguments and they share the plan; stop them all with the deadline and
start them again later: nothing finished is lost, and an interrupted run loses at most the
chunk in progress. A run that fails (a structure OpenMM cannot parametrize) leaves
``{run_id}.failed.json`` with the error and is not retried until that file is removed.

Tiers (``TIERS``): ``short`` gives diversity (every protein, ps frame spacing), ``long`` gives
ns-scale motion for the smallest proteins (>= 2 ns, 10 ps frames). Times in ps, sizes in residues.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from trajgen.engine.errors import TrajgenError
from trajgen.engine.md.config import SimulationConfig
from trajgen.engine.md.files import RunFiles, write_json_atomic
from trajgen.engine.md.manifest import rebuild_manifest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CampaignTier:
    """One kind of run in the campaign: its length, frame spacing and which proteins get it.

    ``max_proteins`` keeps only the smallest proteins of the plan (None: all of them).
    """

    name: str
    production_ps: float
    stride_ps: float
    equilibration_ps: float
    checkpoint_ps: float
    max_proteins: int | None = None


TIERS = {
    "short": CampaignTier("short", production_ps=100.0, stride_ps=1.0, equilibration_ps=20.0, checkpoint_ps=25.0),
    "long": CampaignTier("long", production_ps=2000.0, stride_ps=10.0, equilibration_ps=50.0, checkpoint_ps=100.0,
                         max_proteins=4),
}


@dataclass(frozen=True)
class CampaignConfig:
    """What the campaign simulates and where; see the module docstring for how it runs."""

    structures: tuple[Path, ...]
    out_dir: Path
    heldout_fasta: Path
    temperatures_K: tuple[float, ...] = (300.0, 350.0)
    tiers: tuple[str, ...] = ("short", "long")
    max_residues: int = 400
    stop_at: float | None = None            # seconds since the epoch; None: run the whole plan
    platform: str = "auto"
    cpu_threads: int = 1
    seed: int = 0
    identity_threshold: float = 0.40
    tier_table: dict = field(default_factory=lambda: dict(TIERS))

    def past_deadline(self) -> bool:
        return self.stop_at is not None and time.time() >= self.stop_at

    def __post_init__(self) -> None:
        unknown = [t for t in self.tiers if t not in self.tier_table]
        if unknown:
            raise TrajgenError(f"Unknown campaign tier {', '.join(unknown)}; known: {', '.join(self.tier_table)}.")


@dataclass(frozen=True)
class Candidate:
    """A structure file that passed the screen: its protein name and residue count."""

    path: Path
    name: str
    n_residues: int


def screen_candidates(config: CampaignConfig) -> tuple[list[Candidate], list[str]]:
    """(candidates that may train, smallest first; one sentence per structure refused).

    Refused: relatives of held-out proteins (>= threshold identity), unreadable files and
    structures above ``max_residues``. Two files of one protein name: the first is kept.
    """
    from trajgen.engine.dataset.candidates import screen_file
    from trajgen.engine.dataset.splits import SplitConfig, read_fasta

    heldout = read_fasta(config.heldout_fasta)
    split = SplitConfig(threshold=config.identity_threshold)
    kept: dict[str, Candidate] = {}
    refused = []
    for path in config.structures:
        result = screen_file(Path(path), heldout, split)
        name = Path(path).name.split(".")[0]
        size = sum(result.chain_lengths)
        if result.problem:
            refused.append(f"{path}: cannot be read ({result.problem}).")
        elif not result.passes:
            refused.append(f"{path}: {result.identity:.0%} identical to held-out {result.closest_heldout}; "
                           "held-out relatives never train.")
        elif size > config.max_residues:
            refused.append(f"{path}: {size} residues, above the campaign's limit of {config.max_residues}.")
        elif name not in kept:
            kept[name] = Candidate(Path(path), name, size)
    return sorted(kept.values(), key=lambda c: (c.n_residues, c.name)), refused


def plan_runs(config: CampaignConfig, candidates: list[Candidate]) -> list[SimulationConfig]:
    """Every run of the campaign in the order it is worked on.

    Tiers in the order given; within a tier, proteins smallest first and, per protein, every
    temperature before the next protein (so both temperatures exist for most proteins).
    """
    runs = []
    for tier_name in config.tiers:
        tier = config.tier_table[tier_name]
        chosen = candidates if tier.max_proteins is None else _stable_choice(config, tier, candidates)
        for cand in chosen:
            for temperature in config.temperatures_K:
                runs.append(SimulationConfig(
                    pdb_path=cand.path, out_dir=Path(config.out_dir), name=cand.name, label=tier.name,
                    temperature_K=temperature, seed=config.seed, production_ps=tier.production_ps,
                    report_interval_ps=tier.stride_ps, equilibration_ps=tier.equilibration_ps,
                    checkpoint_interval_ps=tier.checkpoint_ps, platform=config.platform,
                    cpu_threads=config.cpu_threads,
                ))
    return runs


def _stable_choice(config: CampaignConfig, tier: CampaignTier, candidates: list[Candidate]) -> list[Candidate]:
    """The tier's ``max_proteins`` proteins: those it already started (finished or interrupted runs
    in ``out_dir``) first, then the smallest others, so new, smaller candidates never orphan a run.
    Proteins with a failed run (``*.failed.json``) are passed over."""
    out = Path(config.out_dir)
    candidates = [c for c in candidates if not any(out.glob(f"{c.name}_*.failed.json"))]   # OpenMM cannot run them
    started = {c.name for c in candidates
               if any(out.glob(f"{c.name}_*_{tier.name}.row.json")) or any(out.glob(f"{c.name}_*_{tier.name}.pdb"))}
    first = [c for c in candidates if c.name in started]
    rest = [c for c in candidates if c.name not in started]
    return sorted((first + rest)[: max(tier.max_proteins, len(first))], key=lambda c: (c.n_residues, c.name))


class RunLock:
    """``{run_id}.lock`` holding this process's id, so processes sharing a plan never run one run twice.

    A lock whose process is gone (killed, or the machine restarted) is stale and taken over.
    """

    def __init__(self, files: RunFiles):
        self.path = files.out_dir / f"{files.run_id}.lock"
        self.held = False

    def acquire(self) -> bool:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if _alive(self.path):
                    return False
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            self.held = True
            return True
        return False

    def release(self) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False


def _failed_json(files: RunFiles) -> Path:
    """``{run_id}.failed.json``: the error of a run that failed, kept so later sessions skip it."""
    return files.out_dir / f"{files.run_id}.failed.json"


def _alive(lock: Path) -> bool:
    try:
        pid = int(lock.read_text().strip() or "0")
    except (OSError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class CampaignResult:
    """What one process did: runs finished now, already done, left to others, stopped, failed."""

    finished: list[str] = field(default_factory=list)
    already_done: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def run_campaign(config: CampaignConfig) -> CampaignResult:
    """Work through the plan until it is done or the deadline passes (see the module docstring)."""
    from trajgen.engine.md import run_simulation

    candidates, refused = screen_candidates(config)
    if not candidates:
        raise TrajgenError("No structure passed the campaign's screen:\n  " + "\n  ".join(refused))
    Path(config.out_dir).mkdir(parents=True, exist_ok=True)
    result = CampaignResult(refused=refused)
    plan = plan_runs(config, candidates)
    # interrupted runs first: their finished chunks are work already paid for
    plan.sort(key=lambda r: not RunFiles(r.out_dir, r.run_id).progress_json.exists())
    for run in plan:
        files = RunFiles(run.out_dir, run.run_id)
        failed_json = _failed_json(files)
        if files.row_json.exists():
            result.already_done.append(run.run_id)
            continue
        if failed_json.exists():                 # failed before: not retried (remove the file to retry)
            result.failed[run.run_id] = "earlier: " + json.loads(failed_json.read_text())["error"]
            continue
        if config.past_deadline():
            result.stopped.append(run.run_id)
            break
        lock = RunLock(files)
        if not lock.acquire():
            result.busy.append(run.run_id)
            continue
        try:
            row = run_simulation(run, should_stop=config.past_deadline)
        except Exception as exc:  # noqa: BLE001 - one failing protein must not stop the campaign
            result.failed[run.run_id] = f"{type(exc).__name__}: {exc}"
            log.error("%s failed: %s", run.run_id, exc)
            write_json_atomic(failed_json, {"run_id": run.run_id, "error": result.failed[run.run_id]})
            files.prepared_cif.unlink(missing_ok=True)
            continue
        finally:
            lock.release()
        if row is None:
            result.stopped.append(run.run_id)
            break
        result.finished.append(run.run_id)
        rebuild_manifest(run.out_dir)
        log.info("%s finished: %.0f ps at %s ns/day", run.run_id, row["length_ps"], row["ns_per_day"])
    rebuild_manifest(config.out_dir)
    return result


# ---------------------------------------------------------------------------------------------
# What the campaign yields


SIZE_BINS = ((0, 40), (40, 60), (60, 80), (80, 100), (100, 130), (130, 160), (160, 250), (250, 10_000))


def yield_table(rows: list[dict]) -> str:
    """Markdown table: simulated ns per day of one core (CPU runs, one thread), by protein size.

    Built from manifest rows (``ns_per_day`` times production only; ``n_residues``, ``platform``).
    Per bin: runs, proteins, median ns/day, simulated ns per core-hour and the ns made so far.
    """
    lines = ["| residues | runs | proteins | median ns/day (1 core) | ns per core-hour | ns simulated |",
             "|---|---|---|---|---|---|"]
    for lo, hi in SIZE_BINS:
        inside = [r for r in rows if lo <= r["n_residues"] < hi and r.get("platform") == "CPU"]
        if not inside:
            continue
        median = statistics.median(r["ns_per_day"] for r in inside)
        ns = sum(r["length_ps"] for r in inside) / 1000.0
        label = f"{lo}-{hi - 1}" if hi < 10_000 else f">= {lo}"
        lines.append(f"| {label} | {len(inside)} | {len({r['protein'] for r in inside})} | {median:.1f} | "
                     f"{median / 24:.2f} | {ns:.2f} |")
    return "\n".join(lines)


def summary(rows: list[dict]) -> dict:
    """Totals of a manifest: proteins, ns, proteins with both 300 K and 350 K, long runs."""
    by_protein: dict[str, set] = {}
    for r in rows:
        by_protein.setdefault(r["protein"], set()).add(round(r["temperature_K"]))
    return {
        "runs": len(rows), "proteins": len(by_protein),
        "ns": round(sum(r["length_ps"] for r in rows) / 1000.0, 3),
        "proteins_with_300K_and_350K": sum(1 for temps in by_protein.values() if {300, 350} <= temps),
        "runs_of_2ns_or_more": sum(1 for r in rows if r["length_ps"] >= 2000.0),
    }

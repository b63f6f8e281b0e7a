"""Run records written by rank 0: CSV tables, an optional TensorBoard log, and a progress line.

``train.csv``: step, loss and its parts (trans, rot, torsion; means over the logging interval
and over ranks), grad_norm, lr (rate the steps used), windows_per_s (all ranks together), elapsed_s.
``val.csv``: step, val_loss (EMA weights), best_val_loss. On resume, rows past the resumed step
(written after the last checkpoint of an interrupted run) are dropped so each step appears once.
"""

from __future__ import annotations

import csv
import math
import sys
import time
from pathlib import Path

TRAIN_COLUMNS = ("step", "loss", "trans", "rot", "torsion", "grad_norm", "lr", "windows_per_s", "elapsed_s")
VAL_COLUMNS = ("step", "val_loss", "best_val_loss")


class CsvLog:
    """Append-only CSV table with a fixed header; ``keep_until`` trims rows of steps beyond a resume point."""

    def __init__(self, path: Path, columns: tuple[str, ...], keep_until: int | None):
        self.path, self.columns = Path(path), columns
        rows = []
        if keep_until is not None and self.path.exists():
            with open(self.path, newline="") as fh:
                rows = [r for r in csv.DictReader(fh) if int(r["step"]) <= keep_until]
        with open(self.path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)

    def write(self, row: dict) -> None:
        with open(self.path, "a", newline="") as fh:
            csv.DictWriter(fh, fieldnames=self.columns).writerow({k: _fmt(row.get(k)) for k in self.columns})


def read_csv(path: Path) -> list[dict[str, float]]:
    """Rows of a run's CSV table as floats (for tests and notebooks)."""
    with open(path, newline="") as fh:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(float(value))
    return str(value)


class RunLogger:
    """CSV (+ TensorBoard when asked and installed) and the progress line; silent on ranks other than 0."""

    def __init__(self, out_dir: Path, enabled: bool, resumed_step: int | None, max_steps: int,
                 progress: bool = True, tensorboard: bool = False):
        self.enabled = enabled
        self.bar = ProgressBar(max_steps, enabled=enabled and progress)
        self.train = CsvLog(Path(out_dir) / "train.csv", TRAIN_COLUMNS, resumed_step) if enabled else None
        self.val = CsvLog(Path(out_dir) / "val.csv", VAL_COLUMNS, resumed_step) if enabled else None
        self.tb = _tensorboard(Path(out_dir) / "tensorboard") if enabled and tensorboard else None

    def log_train(self, row: dict) -> None:
        if not self.enabled:
            return
        self.train.write(row)
        self.bar.update(int(row["step"]), row["loss"])
        if self.tb is not None:
            for key in TRAIN_COLUMNS[1:7]:
                self.tb.add_scalar(f"train/{key}", row[key], int(row["step"]))

    def log_val(self, step: int, val_loss: float, best: float) -> None:
        if not self.enabled:
            return
        self.val.write({"step": step, "val_loss": val_loss, "best_val_loss": best})
        self.bar.val_loss = val_loss
        if self.tb is not None:
            self.tb.add_scalar("val/loss", val_loss, step)

    def close(self) -> None:
        self.bar.finish()
        if self.tb is not None:
            self.tb.close()


def _tensorboard(folder: Path):
    """A SummaryWriter, or None (with a note) when tensorboard is not installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        print("trajgen train: tensorboard is not installed; logging to CSV only.", file=sys.stderr)
        return None
    return SummaryWriter(str(folder))


class ProgressBar:
    """One redrawn stderr line: bar, step/total, last loss, last validation loss, steps/s and ETA."""

    WIDTH = 24

    def __init__(self, total: int, enabled: bool = True, stream=sys.stderr):
        self.total, self.enabled, self.stream = total, enabled, stream
        self.val_loss: float | None = None
        self._start, self._first_step, self._last_draw = time.monotonic(), None, 0.0

    def update(self, step: int, loss: float) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self._first_step is None:
            self._first_step, self._start = step, now
        if now - self._last_draw < 0.5 and step < self.total:
            return
        self._last_draw = now
        rate = (step - self._first_step) / (now - self._start) if now > self._start else 0.0
        eta = _clock((self.total - step) / rate) if rate > 0 else "--"
        filled = int(self.WIDTH * step / max(self.total, 1))
        val = "--" if self.val_loss is None else f"{self.val_loss:.4f}"
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] step {step}/{self.total}  "
                          f"loss {loss:.4f}  val {val}  {rate:.2f} steps/s  ETA {eta} ")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self._first_step is not None:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

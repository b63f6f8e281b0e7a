"""``trajgen data featurize`` and ``trajgen data split`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from dataset_fixtures import PFAM, make_atlas_folder
from trajgen.engine.cli import main
from trajgen.engine.dataset.features import load_features


def test_featurize_caches_every_atlas_replica(tmp_path):
    atlas = make_atlas_folder(tmp_path / "atlas", n_frames=12)
    assert main(["data", "featurize", "--atlas", str(atlas), "--out", str(tmp_path / "cache"),
                 "--max-frames", "10"]) == 0
    files = sorted((tmp_path / "cache").glob("*.npz"))
    assert len(files) == 3
    assert load_features(files[0])["trans"].shape == (10, 50, 3)


def test_featurize_without_sources_is_a_usage_error(tmp_path):
    assert main(["data", "featurize", "--out", str(tmp_path / "cache")]) == 2


def test_split_writes_train_val_and_the_heldout_exclusions(tmp_path):
    heldout = tmp_path / "heldout.fasta"
    myb = "KTRWTREEDEKLKKLVEQNGTDDWKVIANYLPNRTDVQCQHRWQKVLNPE"     # 1GUU_A itself
    heldout.write_text(f">myb\n{myb}\n")
    files = [str(PFAM / f"{n}.pdb") for n in ("1GUU_A", "1CTF_A", "1TEN_A", "2ZXJ_A", "3GVA_A")]
    out = tmp_path / "split.json"
    assert main(["data", "split", *files, "--heldout", str(heldout), "--out", str(out), "--val-fraction", "0.25"]) == 0
    split = json.loads(out.read_text())
    assert split["excluded"] == {"1GUU_A": {"heldout": "myb", "identity": 1.0}}
    assert len(split["val"]) == 1 and len(split["train"]) == 3
    assert sorted(split["train"] + split["val"]) == ["1CTF_A", "1TEN_A", "2ZXJ_A", "3GVA_A"]

"""Training configs: TOML/JSON files map onto one TrainConfig; mistakes are refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from trajgen.engine.errors import TrainingError
from trajgen.engine.train.config import TrainConfig, load_config, save_config

REPO = Path(__file__).resolve().parents[1]

TOML = """
[data]
cache_dir = "cache"
val_proteins = ["1BXY_A"]
min_stride_ps = 10
max_stride_ps = 1000

[model]
preset = "tiny"
window = 6

[optim]
batch_size = 4
betas = [0.9, 0.95]

[run]
out_dir = "runs/a"
"""


def write(tmp_path: Path, text: str, name: str = "train.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_toml_sections_fill_the_dataclasses_with_the_preset_as_base(tmp_path):
    config = load_config(write(tmp_path, TOML))
    assert config.model.d_model == 32 and config.model.window == 6          # tiny preset + override
    assert config.optim.batch_size == 4 and config.optim.betas == (0.9, 0.95)
    assert config.data.val_proteins == ("1BXY_A",) and config.data.min_stride_ps == 10.0


def test_relative_paths_are_taken_from_the_config_folder(tmp_path):
    config = load_config(write(tmp_path, TOML))
    assert config.data.cache_dir == str(tmp_path / "cache") and config.run.out_dir == str(tmp_path / "runs/a")


def test_the_model_admits_the_strides_it_trains_on(tmp_path):
    config = load_config(write(tmp_path, TOML))
    assert (config.model.dt_min_ps, config.model.dt_max_ps) == (10.0, 1000.0)


def test_saved_json_loads_back_to_the_same_config(tmp_path):
    config = load_config(write(tmp_path, TOML))
    save_config(config, tmp_path / "copy.json")
    assert load_config(tmp_path / "copy.json") == config


def test_an_unknown_key_is_refused_with_the_valid_keys(tmp_path):
    with pytest.raises(TrainingError, match=r"Unknown key\(s\) learning_rate in \[optim\].*\blr\b"):
        load_config(write(tmp_path, "[optim]\nlearning_rate = 0.1\n"))


def test_a_wrong_type_is_refused_with_the_key(tmp_path):
    with pytest.raises(TrainingError, match="optim.max_steps must be int"):
        load_config(write(tmp_path, "[optim]\nmax_steps = 1.5\n"))


def test_an_unknown_preset_is_refused(tmp_path):
    with pytest.raises(TrainingError, match="Unknown model preset 'huge'"):
        load_config(write(tmp_path, "[model]\npreset = \"huge\"\n"))


def test_a_model_admitting_untrained_strides_is_refused():
    with pytest.raises(TrainingError, match="would admit strides"):
        TrainConfig.from_dict({"data": {"min_stride_ps": 100.0}, "model": {"dt_min_ps": 10.0}})


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, "[optim\n")
    with pytest.raises(TrainingError, match="is not valid TOML"):
        load_config(path)


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "docs" / "configs").glob("*.toml")))
def test_shipped_example_configs_load(name):
    config = load_config(REPO / "docs" / "configs" / name)
    assert config.optim.max_steps >= 1


def test_trajgen_train_reports_a_missing_config_and_exits_1(tmp_path, capsys):
    from trajgen.engine.cli import main

    assert main(["train", str(tmp_path / "missing.toml")]) == 1
    assert "Cannot read the training config" in capsys.readouterr().err


def test_command_line_options_override_single_fields(tmp_path):
    import argparse

    from trajgen.engine.cli.train import with_overrides

    args = argparse.Namespace(out=tmp_path / "o", resume="never", max_steps=7, stop_after=3, device="cpu", quiet=True,
                              hours=1.5)
    config = with_overrides(load_config(write(tmp_path, TOML)), args)
    assert (config.run.out_dir, config.run.resume, config.optim.max_steps) == (str(tmp_path / "o"), "never", 7)
    assert (config.run.stop_after_steps, config.run.device, config.run.progress) == (3, "cpu", False)
    assert config.run.stop_after_hours == 1.5

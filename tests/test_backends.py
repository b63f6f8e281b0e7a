"""PyTorch and ONNX Runtime backends: parity, self-describing files, device errors, life without torch."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from model_inputs import EXAMPLE_PDB, example_protein, tiny_torch_backend
from trajgen.engine.backends import select
from trajgen.engine.backends.export import export_onnx
from trajgen.engine.backends.onnx_backend import OnnxBackend
from trajgen.engine.checkpoint import load_model, read_info, save_checkpoint
from trajgen.engine.errors import DeviceError, GenerationError
from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.single import rollout
from trajgen.engine.rollout.stepper import FrameSampler

FLOW = FlowConfig(n_steps=2, history_noise=0.02)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    backend = tiny_torch_backend(seed=6, flow=FLOW)
    onnx_path = export_onnx(backend.model, folder / "tiny.onnx", FLOW, step=12)
    save_checkpoint(folder / "tiny.safetensors", backend.model, FLOW, step=12)
    return backend, OnnxBackend(onnx_path, threads=1), folder


def test_onnx_runtime_matches_torch_on_a_step_with_a_filled_cache(models):
    torch_backend, onnx_backend, _ = models
    context, start = protein_context(example_protein())
    sampler = FrameSampler(torch_backend, context, FLOW, 100.0, 300.0)
    frames = [start] + list(rollout(sampler, start, 3, seed=0))
    cache = sampler.new_cache(1)
    for i, f in enumerate(frames):
        sampler.encode(cache, i, f, frames[max(i - 1, 0)], [np.random.default_rng(i)])
    inputs = sampler._inputs(frames[-1], frames[-2], 0.3, cache.context(4))
    a, b = torch_backend(inputs), onnx_backend(inputs)
    for name in a:
        np.testing.assert_allclose(a[name], b[name], atol=1e-4, err_msg=name)


@pytest.mark.parametrize("n_res", [50, 6])   # 6 residues: fewer than the 8 neighbours, dummies masked
def test_the_joint_sparse_model_exports_and_matches_torch_at_any_size(tmp_path, n_res):
    backend = tiny_torch_backend(seed=7, flow=FLOW, neighbors=8, temporal="joint", temporal_neighbors=4)
    onnx_backend = OnnxBackend(export_onnx(backend.model, tmp_path / "joint.onnx", FLOW), threads=1)
    protein = example_protein()
    context, start = protein_context(protein)
    if n_res < context.n_res:
        from trajgen.engine.structure.protein import Protein
        import dataclasses

        cut = {f.name: getattr(protein, f.name)[:n_res] for f in dataclasses.fields(Protein) if f.name != "report"}
        cut["chain_end"] = cut["chain_end"].copy()
        cut["chain_end"][-1] = True
        context, start = protein_context(Protein(**cut, report=protein.report))
    run = lambda b: np.stack([f.trans for f in rollout(FrameSampler(b, context, b.flow, 100.0, 300.0), start, 3, 9)])
    np.testing.assert_allclose(run(backend), run(onnx_backend), atol=1e-3)
    assert "neighbor_trans" in onnx_backend._graph_inputs


def test_onnx_and_torch_rollouts_agree(models):
    torch_backend, onnx_backend, _ = models
    context, start = protein_context(example_protein())
    run = lambda b: np.stack([f.trans for f in rollout(FrameSampler(b, context, b.flow, 100.0, 300.0), start, 3, 9)])
    np.testing.assert_allclose(run(torch_backend), run(onnx_backend), atol=1e-3)


def test_the_onnx_file_carries_config_flow_settings_and_versions(models):
    torch_backend, onnx_backend, _ = models
    assert onnx_backend.config == torch_backend.config
    assert onnx_backend.flow == FLOW and onnx_backend.info.step == 12


def test_a_checkpoint_rebuilds_the_same_network(models):
    torch_backend, _, folder = models
    info = read_info(folder / "tiny.safetensors")
    model, _ = load_model(folder / "tiny.safetensors")
    assert info.model == torch_backend.config and info.flow == FLOW
    for a, b in zip(model.state_dict().values(), torch_backend.model.state_dict().values()):
        assert torch.equal(a, b)


def test_load_backend_follows_the_file_type(models):
    _, _, folder = models
    assert select.load_backend(folder / "tiny.onnx", device="cpu", threads=1).name == "onnx"
    assert select.load_backend(folder / "tiny.safetensors", device="cpu", threads=1).name == "torch"


def test_without_a_checkpoint_or_shipped_weights_generation_is_refused(monkeypatch):
    monkeypatch.setattr(select, "shipped_checkpoint", lambda: None)
    with pytest.raises(GenerationError, match="never generates from untrained weights"):
        select.load_backend(None)


def test_a_file_that_is_not_a_trajgen_model_is_refused(tmp_path):
    bogus = tmp_path / "weights.safetensors"
    header = b"{}" + b" " * 78  # a valid safetensors file holding nothing, with no trajgen metadata
    bogus.write_bytes(len(header).to_bytes(8, "little") + header)
    with pytest.raises(GenerationError, match="not a trajgen model checkpoint"):
        read_info(bogus)


def test_onnx_metadata_is_read_without_onnx_runtime_and_a_cut_file_is_refused(tmp_path, models):
    path = models[2] / "tiny.onnx"
    info = read_info(path)
    assert info.model == models[0].model.cfg and info.step == 12
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(GenerationError, match="is not an ONNX model"):
        read_info(cut)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_asking_for_cuda_without_a_gpu_is_refused(models):
    _, _, folder = models
    with pytest.raises(DeviceError, match="no GPU|sees no GPU|no CUDA"):
        select.load_backend(folder / "tiny.safetensors", device="cuda")
    with pytest.raises(DeviceError, match="CUDA"):
        select.load_backend(folder / "tiny.onnx", device="cuda")


BLOCK_TORCH = """
import sys
class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked in this test")
        return None
sys.meta_path.insert(0, _NoTorch())
"""


def test_generation_runs_on_onnx_runtime_with_torch_unimportable(models):
    _, _, folder = models
    script = BLOCK_TORCH + textwrap.dedent(f"""
        from trajgen.engine.backends.select import load_backend
        from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator
        from trajgen.engine.structure import load_protein
        backend = load_backend({str(folder / 'tiny.onnx')!r}, device="cpu", threads=1)
        gen = TrajectoryGenerator(load_protein({str(EXAMPLE_PDB)!r}), GenerationRequest(300, 100), backend)
        frames = list(gen)
        assert len(frames) == 4 and "torch" not in sys.modules
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_export_command_turns_a_checkpoint_into_a_runnable_onnx_model(models, tmp_path, capsys):
    from trajgen.engine.cli import main

    _, _, folder = models
    out = tmp_path / "exported.onnx"
    assert main(["export-onnx", str(folder / "tiny.safetensors"), "-o", str(out), "--steps", "5"]) == 0
    backend = OnnxBackend(out, threads=1)
    assert backend.flow.n_steps == 5 and backend.info.step == 12
    assert "5 flow steps per frame" in capsys.readouterr().out

"""The ChimeraX bundle, built from bundle_info.xml and tested inside real ChimeraX 1.7 (nogui).

The ChimeraX environment comes from ../shared/chimerax/setup.sh (`.ci/setup.sh` makes it at
.cxvenv). The bundle is rebuilt and installed each run, then tests/chimerax/ runs under pytest
inside a live ChimeraX session with offscreen rendering.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import REPO, SHARED

CX_VENV = REPO / ".cxvenv"
CX_PYTHON = CX_VENV / "bin" / "python"


def chimerax(*args: str, timeout: int, **extra_env: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, USER=os.environ.get("USER", "trajgen"), PYTHONNOUSERSITE="1", **extra_env)
    cmd = [str(CX_PYTHON), "-m", "chimerax.core", "--nogui", "--offscreen", "--exit", "--nostatus", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)


@pytest.fixture(scope="module")
def installed_bundle():
    if not CX_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail("ChimeraX is not installed at .cxvenv; .ci/setup.sh should have made it")
        pytest.skip("ChimeraX is not installed at .cxvenv (run .ci/setup.sh)")
    env = dict(os.environ, USER=os.environ.get("USER", "trajgen"))
    env.pop("TRAJGEN_CX_DEVEL_ARGS", None)  # the README's command as written: the script detects the venv
    build = subprocess.run(["bash", str(REPO / "plugin" / "install_chimerax.sh"),
                            f"{CX_PYTHON} -m chimerax.core", "install"],
                           capture_output=True, text=True, timeout=600, env=env)
    assert "Installed ChimeraX-Trajgen" in build.stdout + build.stderr, build.stdout[-4000:] + build.stderr[-4000:]


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory):
    """A tiny randomly initialised model exported to ONNX: ChimeraX (which has no torch) must run it."""
    from model_inputs import tiny_torch_backend
    from trajgen.engine.backends.export import export_onnx
    from trajgen.engine.flow.process import FlowConfig

    backend = tiny_torch_backend(seed=3)
    return export_onnx(backend.model, tmp_path_factory.mktemp("cx") / "tiny.onnx", FlowConfig(n_steps=2))


def test_bundle_tests_pass_inside_chimerax(installed_bundle, tiny_onnx):
    script = f"{SHARED / 'chimerax' / 'run_pytest.py'} -q -p no:cacheprovider {REPO / 'tests' / 'chimerax'}"
    result = chimerax("--silent", "--script", script, timeout=900, TRAJGEN_TEST_ONNX=str(tiny_onnx))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]

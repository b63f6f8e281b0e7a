"""Installing the PyMOL plugin: the zip for the Plugin Manager, and the pip route's installer.

(The zip installed by PyMOL's own installer inside a real window is in test_pymol_gui.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

from conftest import require  # noqa: E402

require("pymol", "pymol-open-source is not installed (pip install trajgen[pymol])")

from trajgen.engine import __version__  # noqa: E402
from trajgen.plugin.pymol.make_zip import LOADER_SOURCE, build_zip  # noqa: E402


def run_python(code: str, home, **env) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python with HOME (PyMOL's settings and plugin folder) set to ``home``."""
    environment = dict(os.environ, HOME=str(home), **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environment, cwd=home,
                          capture_output=True, text=True, timeout=120)


def test_the_zip_holds_only_the_thin_loader_package(tmp_path):
    path = build_zip(tmp_path)
    assert path.name == "trajgen_pymol.zip"
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["trajgen_pymol/__init__.py"]
        assert archive.read("trajgen_pymol/__init__.py").decode() == LOADER_SOURCE


def test_pymol_reads_the_loaders_version_and_description(tmp_path):
    from pymol.plugins import PluginInfo

    loader = tmp_path / "__init__.py"
    loader.write_text(LOADER_SOURCE)
    info = PluginInfo("trajgen_pymol", str(loader))  # no module name: metadata only, nothing imported
    assert info.get_version() == __version__
    assert "trajectories" in info.get_metadata()["Description"]


def test_the_make_zip_command_writes_the_zip(tmp_path):
    result = subprocess.run([sys.executable, "-m", "trajgen.plugin.pymol.make_zip", "-o", str(tmp_path)],
                            capture_output=True, text=True, check=True)
    assert (tmp_path / "trajgen_pymol.zip").exists() and "Install from local file" in result.stdout


def test_after_the_pip_route_installer_pymol_finds_and_loads_the_plugin(tmp_path, example_pdb):
    installed = run_python("""
        from trajgen.plugin.pymol.install import main
        main([])
    """, tmp_path)
    assert installed.returncode == 0, installed.stderr
    assert (tmp_path / ".pymol" / "startup" / "trajgen_pymol" / "__init__.py").exists()
    started = run_python(f"""
        import pymol
        pymol.finish_launching(["pymol", "-cqk"])   # -k: no start-up plugins; initialize below, as PyMOL does
        from pymol import cmd, plugins
        plugins.initialize(-1)                      # reads ~/.pymolpluginsrc.py and scans the plugin folders
        print("found", plugins.plugins["trajgen_pymol"].loaded)
        cmd.load({str(example_pdb)!r}, "prot")
        cmd.keyword["trajgen_run"][0]("prot", length="300ps", interval="100ps", wait=1)
        print("states", cmd.count_states("prot_traj"))
    """, tmp_path)
    assert "found True" in started.stdout and "states 4" in started.stdout, started.stdout + started.stderr


def test_without_trajgen_in_pymols_python_the_loader_says_how_to_install_it(tmp_path):
    (tmp_path / "trajgen_pymol").mkdir()
    (tmp_path / "trajgen_pymol" / "__init__.py").write_text(LOADER_SOURCE)
    result = run_python("""
        import sys
        class NoTrajgen:
            def find_spec(self, name, path=None, target=None):
                if name == "trajgen" or name.startswith("trajgen."):
                    raise ImportError(f"No module named {name!r}")
        sys.meta_path.insert(0, NoTrajgen())
        sys.path.insert(0, ".")
        import trajgen_pymol
    """, tmp_path)
    assert result.returncode != 0
    assert "trajgen is not installed in PyMOL's Python" in result.stderr and "pip install trajgen[pymol]" in result.stderr

"""The installed package: one `trajgen` namespace, every sub-package shipped, the CLI entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile

from conftest import REPO

TOP_DIRS = {"engine": "trajgen.engine", "ui": "trajgen.ui", "plugin": "trajgen.plugin"}
BUNDLE_ONLY = {"trajgen.plugin.chimerax"}  # the ChimeraX bundle's own package (bundle_info.xml)


def listed_packages() -> set[str]:
    return set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])


def test_every_source_package_is_listed_in_pyproject():
    on_disk = set()
    for top, dotted in TOP_DIRS.items():
        for init in (REPO / top).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / top).parts
            on_disk.add(".".join((dotted,) + rel))
    assert on_disk - BUNDLE_ONLY == listed_packages()


def test_wheel_installs_only_under_the_trajgen_namespace(tmp_path):
    src = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    skip = shutil.ignore_patterns(".git", ".venv*", ".cxvenv", "build", "*.egg-info", "__pycache__", "tests", "out")
    shutil.copytree(REPO, src, ignore=skip)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(src)], check=True, cwd=tmp_path)
    wheel = next(tmp_path.glob("trajgen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"trajgen", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}
    assert "trajgen/engine/assets/1GUU_A.pdb" in names
    assert not any(n.startswith(("engine/", "ui/", "plugin/")) for n in names)


def test_cli_entry_point_runs_info_on_the_example(example_pdb):
    out = subprocess.run([sys.executable, "-m", "trajgen.engine.cli", "info", str(example_pdb)],
                         capture_output=True, text=True, check=True).stdout
    assert "50 residues" in out and "chain A" in out


def test_cli_reports_bad_input_without_a_traceback(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a structure\n")
    result = subprocess.run([sys.executable, "-m", "trajgen.engine.cli", "info", str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "neither a PDB nor an mmCIF" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_machine_specific_paths_in_code_or_tests():
    """CI clones the repository anywhere with ../shared beside it: paths come from conftest."""
    offenders = []
    for top in ("engine", "ui", "plugin", "tests", "benchmarks", ".ci"):
        for path in (REPO / top).rglob("*"):
            if path.suffix in (".py", ".sh", ".toml") or path.name == "run":
                text = path.read_text(errors="replace")
                if "/work/" in text and path.name != "test_packaging.py":
                    offenders.append(str(path.relative_to(REPO)))
    assert not offenders, f"machine-specific /work/ paths in: {offenders}"


def test_the_chimerax_bundle_carries_the_asset_files_that_run_without_torch():
    """Shipped ONNX weights must reach ChimeraX (which has no torch), like the pip package's package-data."""
    import xml.etree.ElementTree as ET

    root = ET.parse(REPO / "bundle_info.xml").getroot()
    bundle = {f.text for d in root.iter("DataFiles") if d.get("package") == "trajgen.engine.assets"
              for f in d.iter("DataFile")}
    pip = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
              ["trajgen.engine.assets"])
    assert {"*.pdb", "*.md", "*.json", "*.onnx"} <= bundle and bundle - {"*.safetensors"} <= pip

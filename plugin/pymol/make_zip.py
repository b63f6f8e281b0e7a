"""Build ``trajgen_pymol.zip`` for PyMOL's Plugin Manager ("Install New Plugin" > "Install from local file").

The zip holds one thin package, ``trajgen_pymol/__init__.py``: it imports trajgen from PyMOL's own
Python (install trajgen there first: ``<PyMOL's python> -m pip install trajgen[pymol]``), so the
zip never goes stale when trajgen is upgraded.

    python -m trajgen.plugin.pymol.make_zip [-o FOLDER]
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

from trajgen.engine import __version__

PLUGIN_NAME = "trajgen_pymol"

LOADER_SOURCE = f'''# Version: {__version__}
# Author: trajgen
# Description: generate molecular-dynamics-like trajectories of proteins (commands trajgen_run,
#   trajgen_stop, trajgen_wait, trajgen_export, trajgen_info; panel under Plugin > trajgen)
# Citation-Required: No
"""trajgen for PyMOL: a thin loader for the trajgen package installed in PyMOL's Python."""

try:
    from trajgen.plugin.pymol import commands as _commands  # registers the trajgen_* commands
except ImportError as _err:
    raise ImportError("trajgen is not installed in PyMOL's Python; install it with "
                      "'python -m pip install trajgen[pymol]' using PyMOL's python (" + str(_err) + ")") from None


def __init_plugin__(app=None):
    """Add Plugin > trajgen (opens the control panel)."""
    from trajgen.plugin.pymol import __init_plugin__ as _init

    _init(app)
'''


def write_loader(folder: Path) -> Path:
    """Write the thin plugin package ``folder/trajgen_pymol/__init__.py``; returns the package folder."""
    package = Path(folder) / PLUGIN_NAME
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(LOADER_SOURCE)
    return package


def build_zip(folder: str | Path = ".") -> Path:
    """Write ``folder/trajgen_pymol.zip`` (the thin package) and return its path."""
    path = Path(folder) / f"{PLUGIN_NAME}.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{PLUGIN_NAME}/__init__.py", LOADER_SOURCE)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the PyMOL plugin zip of trajgen.")
    parser.add_argument("-o", "--output", default=".", help="folder to write trajgen_pymol.zip to (default: here)")
    path = build_zip(parser.parse_args(argv).output)
    print(f"wrote {path}: in PyMOL use Plugin > Plugin Manager > Install New Plugin > Install from local file")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

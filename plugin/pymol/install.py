"""Make PyMOL find trajgen after ``pip install trajgen[pymol]`` (no Plugin Manager needed).

    python -m trajgen.plugin.pymol.install        # with the Python that runs PyMOL

Writes the thin loader package into PyMOL's user plugin folder (``~/.pymol/startup``, or
``%APPDATA%\\pymol\\startup`` on Windows) and adds that folder to PyMOL's plugin search path
through PyMOL's own ``pymol.plugins.set_startup_path``, which saves it in ``~/.pymolpluginsrc.py``:
the same two things the Plugin Manager's "install from file" does with the zip.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .make_zip import PLUGIN_NAME, write_loader


def install(plugin_folder: str | Path | None = None) -> Path:
    """Install the loader into ``plugin_folder`` (default: PyMOL's user plugin folder); returns its path."""
    from pymol import plugins
    from pymol.plugins.installation import get_default_user_plugin_path

    folder = Path(plugin_folder or get_default_user_plugin_path()).expanduser()
    package = write_loader(folder)
    if str(folder) not in plugins.get_startup_path():
        plugins.set_startup_path([str(folder)] + plugins.get_startup_path(True))  # saved for the next start
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"Install the {PLUGIN_NAME} loader so PyMOL finds trajgen.")
    parser.add_argument("--folder", help="plugin folder (default: PyMOL's user plugin folder)")
    package = install(parser.parse_args(argv).folder)
    print(f"installed {package}; restart PyMOL: trajgen_run is available and the panel is under Plugin > trajgen")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

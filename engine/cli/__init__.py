"""The ``trajgen`` command line: one subcommand per module listed in SUBCOMMAND_MODULES.

Each module exposes ``add_parser(subparsers)``, which adds its parser and sets ``func`` (a callable
taking the parsed args and returning an exit code). Modules import heavy dependencies inside
``func`` only, so ``trajgen --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import TrajgenError

SUBCOMMAND_MODULES = (
    "trajgen.engine.cli.info",
    "trajgen.engine.cli.generate",
    "trajgen.engine.cli.export",
    "trajgen.engine.cli.data",
    "trajgen.engine.cli.train",
    "trajgen.engine.cli.evaluate",
)


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="trajgen",
        description="Generate molecular-dynamics-like trajectories of proteins with a learned model.",
    )
    parser.add_argument("--version", action="version", version=f"trajgen {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code (0 ok, 1 error, 2 usage, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except TrajgenError as err:
        print(f"trajgen {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"trajgen {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

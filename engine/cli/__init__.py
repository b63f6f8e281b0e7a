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


def attach_dash_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``--length -5ns`` -> ``--length=-5ns`` for every option that takes a value, so a value that starts
    with a dash reaches the subcommand, which then says what is wrong with it (argparse would only say
    "expected one argument")."""
    takes_value = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                takes_value |= {o for a in sub._actions if a.nargs is None and a.option_strings
                                for o in a.option_strings if o.startswith("--")}
    out, i = [], 0
    while i < len(argv):
        token = argv[i]
        if token in takes_value and i + 1 < len(argv) and argv[i + 1].startswith("-") \
                and not argv[i + 1].startswith("--"):
            out.append(f"{token}={argv[i + 1]}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code (0 ok, 1 error, 2 usage, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(attach_dash_values(parser, list(sys.argv[1:] if argv is None else argv)))
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

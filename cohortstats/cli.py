"""The ``cohortstats`` command. It only calls library functions and prints their outcome."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .exceptions import CohortStatsError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cohortstats", description="Clinical cohort statistics for imaging studies.")
    p.add_argument("--version", action="version", version=f"cohortstats {__version__}")
    p.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    sub = p.add_subparsers(dest="command")
    ex = sub.add_parser("example", help="run a bundled example study (no files needed)")
    ex.add_argument("name", nargs="?", default="hematoma", help="example name (default: hematoma)")
    ex.add_argument("--out", default=None, help="output folder (default: reports/<name>)")
    ex.add_argument("--overwrite", action="store_true", help="write into an existing, non-empty folder")
    sub.add_parser("examples", help="list the bundled examples")
    return p


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    progress = None if args.quiet else (lambda stage: print(f"[cohortstats] {stage}", file=sys.stderr))
    try:
        if args.command == "examples":
            from .examples import EXAMPLES

            for name, text in EXAMPLES.items():
                print(f"{name}: {text}")
            return 0
        if args.command == "example":
            from .examples import run_example

            out = run_example(args.name, args.out, overwrite=args.overwrite, progress=progress)
            print(f"Report written to {out['report']}")
            return 0
    except (CohortStatsError, ValueError, FileNotFoundError, FileExistsError, TypeError) as err:
        if args.debug:
            raise
        print(f"cohortstats: error: {err}", file=sys.stderr)
        return 2
    return 0  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

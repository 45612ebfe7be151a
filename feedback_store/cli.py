"""Command line for feedback_store: ``python -m feedback_store export|list``.

Only parses arguments and calls the store; errors become one "error: ..." line and exit 2.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from typing import NoReturn

import feedback_store
from feedback_store.store import EXPORT_FORMATS

_LIST_COLUMNS = [
    "verdict_id", "sprint", "prototype", "row_id", "reviewer", "verdict", "corrected_label",
    "tags", "comment", "recorded_at",
]  # fmt: skip


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv) and return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (feedback_store.InvalidVerdict, OSError, sqlite3.Error) as error:
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for ``python -m feedback_store``."""
    parser = _Parser(
        prog="python -m feedback_store",
        description="Export or list the SME verdicts stored in a workspace's feedback.db.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    export = commands.add_parser(
        "export",
        help="write current verdicts with their provenance to a file",
        description="Write one row per current verdict, with the prediction and feature"
        " values the reviewer saw, to a CSV, Parquet or JSONL file.",
    )
    _add_workspace(export)
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("--out", required=True, metavar="FILE", help="file to write")
    export.add_argument("--sprint", metavar="S", help="only this sprint")
    export.add_argument("--prototype", metavar="P", help="only this prototype")
    export.add_argument("--reviewer", metavar="R", help="only this reviewer")
    export.set_defaults(run=_export)

    listing = commands.add_parser(
        "list",
        help="print current verdicts as a table",
        description="Print the current version of each verdict as a readable table.",
    )
    _add_workspace(listing)
    listing.add_argument("--sprint", metavar="S", help="only this sprint")
    listing.set_defaults(run=_list)
    return parser


def _add_workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace", required=True, metavar="DIR", help="workspace folder holding feedback.db"
    )


def _export(args: argparse.Namespace) -> int:
    store = feedback_store.open(args.workspace, create=False)
    # The count must come from the same read as the file, not from a second query.
    path, rows = store._export(args.out, args.format, args.sprint, args.prototype, args.reviewer)
    print(f"{path}\t{rows} rows")
    return 0


def _list(args: argparse.Namespace) -> int:
    store = feedback_store.open(args.workspace, create=False)
    frame = store.verdicts(sprint=args.sprint)
    if frame.empty:
        print("no verdicts")
        return 0
    frame = frame[_LIST_COLUMNS].copy()
    frame["tags"] = frame["tags"].map(";".join)
    frame["comment"] = frame["comment"].map(_short)
    frame["recorded_at"] = frame["recorded_at"].str[:19].str.replace("T", " ")
    print(frame.fillna("").to_string(index=False))
    return 0


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"

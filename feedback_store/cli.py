"""Command line: ``python -m feedback_store export|export-training|backup|restore|list``.

Only parses arguments and calls the store; errors become one "error: ..." line and exit 2.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from typing import NoReturn

import feedback_store
from feedback_store.backup import backup_with_count, restore_with_count
from feedback_store.exports import EXPORT_FORMATS
from feedback_store.resolution import RULES
from feedback_store.reviewer_filter import reviewer_with_verdicts
from feedback_store.training import export_training
from model.known_values import CORRECT_REGRESSION_LABEL, known_values_or_none
from model.published_dtypes import feature_dtypes_or_none

_LIST_COLUMNS = [
    "verdict_id", "sprint", "prototype", "prototype_version", "row_id", "reviewer", "verdict",
    "corrected_label", "tags", "comment", "recorded_at",
]  # fmt: skip


_CSV_NOTE = (
    "CSV is for spreadsheets: a text cell starting with =, +, -, @, a tab or a carriage"
    " return (and not a plain number such as -1) gets a leading ' so that it is not run as a"
    " formula. Parquet and JSONL keep every value verbatim."
)


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
    except MemoryError:  # a numpy or pandas allocation included
        narrow = "narrow it with --sprint, or " if hasattr(args, "sprint") else ""
        print(
            f"error: ran out of memory running {args.command}; {narrow}use a machine with "
            "more memory",
            file=sys.stderr,
        )
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
        " values the reviewer saw, to a CSV, Parquet or JSONL file. " + _CSV_NOTE,
    )
    _add_workspace(export)
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("--out", required=True, metavar="FILE", help="file to write")
    export.add_argument("--sprint", metavar="S", help="only this sprint")
    export.add_argument("--prototype", metavar="P", help="only this prototype")
    export.add_argument(
        "--reviewer",
        metavar="R",
        help="only this reviewer (whatever the letter case); one without verdicts is refused",
    )
    export.set_defaults(run=_export)

    training = commands.add_parser(
        "export-training",
        help="write training-ready rows (features, resolved label, provenance) and a manifest",
        description="Write one row per reviewed row whose label resolves (features, label and"
        " provenance) and a JSON manifest beside it (FILE.manifest.json). Without a model"
        " to ask, every demo row counts as part of the demo (evaluation) set. "
        + CORRECT_REGRESSION_LABEL
        + " "
        + _CSV_NOTE,
    )
    _add_workspace(training)
    training.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    training.add_argument("--out", required=True, metavar="FILE", help="file to write")
    training.add_argument("--sprint", metavar="S", help="only this sprint")
    training.add_argument("--prototype", metavar="P", help="only this prototype")
    training.add_argument(
        "--rule", choices=RULES, default="majority", help="how to settle reviewers' labels"
    )
    training.add_argument("--lead", metavar="NAME", help="lead reviewer (with --rule lead)")
    training.set_defaults(run=_export_training)

    backing_up = commands.add_parser(
        "backup",
        help="copy feedback.db consistently, even while reviewers are writing",
        description="Copy the workspace's feedback.db with SQLite's online backup API: a"
        " consistent snapshot even while verdicts are being recorded.",
    )
    _add_workspace(backing_up)
    backing_up.add_argument("--out", required=True, metavar="FILE", help="backup file to write")
    backing_up.set_defaults(run=_backup)

    restoring = commands.add_parser(
        "restore",
        help="make a backup the workspace's feedback.db",
        description="Check a backup and make it the workspace's feedback.db: its tables,"
        " columns, indexes and triggers must be exactly those feedback_store creates, and"
        " every row a verdict the store would accept; anything else is refused in one line"
        " and nothing changes. An existing database is only replaced with --force, and is"
        " then kept beside it as feedback.db.before-restore-<time>.",
    )
    _add_workspace(restoring)
    restoring.add_argument("--backup", required=True, metavar="FILE", help="the backup file")
    restoring.add_argument("--force", action="store_true", help="replace an existing database")
    restoring.set_defaults(run=_restore)

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


def unmatched(store: feedback_store.FeedbackStore, **wanted: str | None) -> str | None:
    """When a filter (``sprint="Sprint 9"``) names what no current verdict has: which values
    the verdicts do have, since a name mistyped would otherwise give an empty file in
    silence. The store sees verdicts, not the workspace: a sprint without verdicts yet is
    said the same way."""
    given = {column: value for column, value in wanted.items() if value is not None}
    if not given:
        return None
    every = store.verdicts()
    for column, value in given.items():
        known = sorted(set(every[column].astype(str))) if not every.empty else []
        if value not in known:
            have = ", ".join(known[:10]) + (", …" if len(known) > 10 else "")
            return f"no verdicts for {column} {value!r}" + (
                f"; verdicts are recorded for {have} (names are matched exactly)"
                if known
                else "; no verdicts are recorded yet"
            )
    return None


def _export(args: argparse.Namespace) -> int:
    store = feedback_store.open(args.workspace, create=False)
    # "Maria" finds maria's verdicts; a name nobody has refuses, naming who has (exit 2)
    reviewer = None if args.reviewer is None else reviewer_with_verdicts(store, args.reviewer)
    _warn(unmatched(store, sprint=args.sprint, prototype=args.prototype))
    # The count must come from the same read as the file, not from a second query.
    path, rows = store.export_counted(args.out, args.format, args.sprint, args.prototype, reviewer)
    print(f"{path}\t{rows} rows")
    return 0


def _export_training(args: argparse.Namespace) -> int:
    store = feedback_store.open(args.workspace, create=False)
    _warn(unmatched(store, sprint=args.sprint, prototype=args.prototype))
    scope = {"sprint": args.sprint, "prototype": args.prototype}
    result = export_training(
        store,
        args.out,
        args.format,
        **scope,
        rule=args.rule,
        lead=args.lead,
        # the feedback db lives in the workspace: its prototypes hold the demo rows' outcomes
        known_values=known_values_or_none(args.workspace, store, **scope),
        # and the features' published dtypes: a category stays a category
        feature_dtypes=feature_dtypes_or_none(args.workspace, **scope),
    )
    report_training(result)
    return 0


def report_training(result: feedback_store.TrainingExport) -> None:
    """Print where a training export went, its row count and its warnings."""
    manifest = result.manifest
    print(f"{result.path}\t{manifest['counts']['rows']} rows")
    print(f"{result.manifest_path}\tmanifest")
    for warning in manifest["warnings"]:
        print(f"warning: {warning}")


def _backup(args: argparse.Namespace) -> int:
    store = feedback_store.open(args.workspace, create=False)
    # Counted in the file written, not by a second query of the live database.
    path, verdicts = backup_with_count(store, args.out)
    print(f"{path}\t{verdicts} verdicts")
    return 0


def _restore(args: argparse.Namespace) -> int:
    path, verdicts = restore_with_count(args.backup, args.workspace, force=args.force)
    print(f"{path}\t{verdicts} verdicts")
    return 0


def _list(args: argparse.Namespace) -> int:
    store = feedback_store.open(args.workspace, create=False)
    frame = store.verdicts(sprint=args.sprint)
    if frame.empty:
        print(unmatched(store, sprint=args.sprint) or "no verdicts")
        return 0
    frame = frame[_LIST_COLUMNS].copy()
    # blank where a verdict was recorded before versions were kept
    frame["prototype_version"] = frame["prototype_version"].astype("string")
    frame["tags"] = frame["tags"].map(";".join)
    frame["comment"] = frame["comment"].map(_short)
    frame["recorded_at"] = frame["recorded_at"].str[:19].str.replace("T", " ")
    print(frame.fillna("").to_string(index=False))
    return 0


def _warn(message: str | None) -> None:
    if message:
        print(f"warning: {message}", file=sys.stderr)


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"

"""``python -m model``: build the demo, publish, list, explain and export verdicts, from a terminal.

A thin layer over the Python API: it parses arguments, calls ``model``, and turns any bad
input into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from model.atomic_files import NameReadBackWarning
from model.cli_words import class_name_argument, publish_words
from model.config import DEFAULT_DECK_SIZE, MAX_ROW_ID_LENGTH
from model.context_columns import ContextColumnsWarning
from model.data_files import check_csv_header, check_parquet, semicolon_hint, trained_on_file
from model.estimator_contract import UnnamedColumnsWarning
from model.file_limits import not_a_file_problem
from model.metrics import BINARY, HEADLINE_METRIC, METRICS, TASKS, format_metric
from model.mvp_decisions import MvpDecidedWarning
from model.progress import SlowPublishWarning
from model.published_files import PrototypeReplacedWarning
from model.trained_rows import TrainedOnDemoRowsWarning

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors: one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see --help)\n")


def deck_size_argument(text: str) -> int | None:
    """``--deck-size``: a whole number of rows (at least 1), or ``all`` for every row."""
    if text.strip().lower() == "all":
        return None
    try:
        size = int(text)
    except ValueError:
        size = 0
    if size < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of rows, at least 1, or 'all'; got {text!r}"
        )
    return size


def _workspace_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", required=True, type=Path, help="the workspace folder")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every verb."""
    parser = _Parser(prog="python -m model", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    demo = verbs.add_parser("demo", help="build the bundled demo into a workspace (idempotent)")
    _workspace_argument(demo)

    publish = verbs.add_parser("publish", help="publish a fitted model on a demo data file")
    _workspace_argument(publish)
    publish.add_argument("--sprint", required=True, help="sprint name, e.g. 'Sprint 4'")
    publish.add_argument("--name", required=True, help="prototype name, e.g. 'gbm'")
    publish.add_argument(
        "--model",
        required=True,
        type=Path,
        help=(
            "a .skops file, or XGBoost .json/.ubj, LightGBM .txt, CatBoost .cbm "
            "(.joblib/.pkl only with --trust-pickle)"
        ),
    )
    publish.add_argument(
        "--data", required=True, type=Path, help="demo rows: a CSV or Parquet file"
    )
    publish.add_argument("--target", required=True, help="the column holding the true outcome")
    publish.add_argument(
        "--id-column",
        help="the column holding row ids, read as text, or a Parquet file's index by its name "
        "(default: a Parquet file's named index, else the row number)",
    )
    publish.add_argument("--task", choices=TASKS, help="override the detected task")
    publish.add_argument(
        "--positive-class",
        metavar="LABEL",
        help="the class of a two-class model that is counted, flagged and explained "
        "(default: its second class, e.g. 'no failure' after 'failure')",
    )
    publish.add_argument("--mvp", action="store_true", help="make it the sprint's MVP")
    publish.add_argument("--train-seconds", type=float, help="how long training took")
    publish.add_argument("--effort-days", type=float, help="person-days to put it in production")
    publish.add_argument("--notes", default="", help="a short note shown with the prototype")
    publish.add_argument(
        "--deck-size",
        type=deck_size_argument,
        default=DEFAULT_DECK_SIZE,
        metavar="N",
        help=(
            "rows whose SHAP values are computed now: wrong and least confident predictions and "
            f"a stratified sample; the others when selected (default {DEFAULT_DECK_SIZE}; 'all': "
            "every row)"
        ),
    )
    publish.add_argument(
        "--class-name",
        type=class_name_argument,
        action="append",
        default=[],
        metavar="LABEL=NAME",
        help="a class's name in words, e.g. 1=Failure (repeat for each class)",
    )
    publish.add_argument(
        "--words",
        type=Path,
        metavar="FILE",
        help=(
            "a JSON file of class_names, feature_descriptions, display_units and case_noun, "
            "as the Python API's publish takes them (see README)"
        ),
    )
    publish.add_argument(
        "--noun",
        metavar="WORDS",
        help="what your cases are called, in the plural (e.g. patients): the pages say it "
        "instead of 'rows in the demo set'",
    )
    publish.add_argument(
        "--trained-on",
        type=Path,
        metavar="FILE",
        help=(
            "the training export (export-training's CSV, Parquet or JSONL) the model was "
            "trained with: the follow-up then tells rows it learnt from real fixes"
        ),
    )
    publish.add_argument(
        "--leave-out",
        action="append",
        default=[],
        metavar="COLUMN",
        help="a column of the data file neither the model nor the reviewers see, e.g. another "
        "target (repeat for each)",
    )
    publish.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow a pickle/joblib model file (it can run any code: only your own)",
    )

    listing = verbs.add_parser("list", help="sprints and prototypes with their headline metric")
    _workspace_argument(listing)

    explain = verbs.add_parser(
        "explain", help="one row's SHAP explanation, as JSON (with its words, for free text)"
    )
    _workspace_argument(explain)
    explain.add_argument("--sprint", required=True)
    explain.add_argument("--prototype", required=True)
    explain.add_argument("--row", required=True, help="the row id")
    explain.add_argument("--class", dest="explained_class", help="class to explain (multiclass)")
    _export_verbs(verbs)
    return parser


def _export_verbs(verbs) -> None:
    """``export`` and ``export-training``: the verdict store's exports, with class names."""
    from feedback_store.exports import EXPORT_FORMATS
    from feedback_store.resolution import RULES
    from model.known_values import CORRECT_REGRESSION_LABEL

    names = (
        " Beside each class code (predicted_label, corrected_label; label) is the name the "
        "prototype gives the class (predicted_name, corrected_name; label_name); regression "
        "prototypes alone get no name column. CSV cells starting like a formula get a "
        "leading '."
    )
    export = verbs.add_parser(
        "export",
        help="current verdicts with their provenance and the class names, to a file",
        description="Write one row per current verdict, with the prediction and feature "
        "values the reviewer saw, to a CSV, Parquet or JSONL file." + names,
    )
    training = verbs.add_parser(
        "export-training",
        help="training-ready rows with the class names, and a manifest",
        description="Write one row per reviewed row whose label resolves (features, label, "
        "provenance) and a JSON manifest beside it (FILE.manifest.json). "
        + CORRECT_REGRESSION_LABEL
        + names,
    )
    for parser in (export, training):
        _workspace_argument(parser)
        parser.add_argument("--format", required=True, choices=EXPORT_FORMATS)
        parser.add_argument("--out", required=True, type=Path, metavar="FILE")
        parser.add_argument("--sprint", metavar="S", help="only this sprint")
        parser.add_argument("--prototype", metavar="P", help="only this prototype")
    export.add_argument("--reviewer", metavar="R", help="only this reviewer")
    export.add_argument(
        "--verdict", choices=("correct", "wrong", "unsure"), help="only this kind of verdict"
    )
    training.add_argument(
        "--rule", choices=RULES, default="majority", help="how to settle reviewers' labels"
    )
    training.add_argument("--lead", metavar="NAME", help="lead reviewer (with --rule lead)")


def read_data_file(
    path: Path,
    target: str,
    id_column: str | None,
    text: Sequence[str] = (),
    verbatim: Sequence[str] = (),
):
    """Read demo rows from CSV or Parquet; return ``(X, y)`` with the row ids as index.

    Ids are text exactly as written: a CSV's ``00001``, ``NA`` or ``null`` stay themselves,
    and a Parquet file's integer ids become their decimal text. An empty, missing, duplicate
    or over-long id is refused. The CSV's columns named in ``text`` are read as text as
    written (``007`` stays ``"007"``; missing values stay missing): the model encoded them
    as text (``model.model_columns.text_columns``, ``model.boosting.text_category_columns``).
    Those in ``verbatim`` are read exactly as written, an empty cell or ``NA`` as that text
    (a CatBoost model's categories: ``model.boosting.catboost_category_columns``).
    """
    problem = not_a_file_problem(path, f"data file {path}")  # a FIFO or /dev/zero: never read
    if problem:
        raise ValueError(problem)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet", ".pq"}:
        raise ValueError(f"data file {path.name}: use a .csv or .parquet file")
    where = f"data file {path.name}"
    header = check_csv_header(path, where) if suffix == ".csv" else []
    if suffix != ".csv":
        check_parquet(path, where)
    try:
        if suffix == ".csv":
            frame = _read_csv(path, id_column, text, verbatim)
        else:
            frame = pd.read_parquet(path)
    except UnicodeDecodeError:  # past the header
        raise ValueError(
            f"{where} is not UTF-8 text past its header: save it as a UTF-8 CSV"
        ) from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, OSError) as error:
        raise ValueError(f"data file {path.name} cannot be read: {error}") from None
    except Exception as error:  # noqa: BLE001 - pyarrow raises its own types for damaged files
        raise ValueError(f"data file {path.name} cannot be read: {error}") from None
    if frame.empty:
        raise ValueError(f"data file {path.name} has no rows")
    if target not in frame.columns:
        raise ValueError(f"{where} has no target column {target!r}{semicolon_hint(header)}")
    if id_column is not None:
        if id_column not in frame.columns and id_column in (frame.index.names or []):
            frame = frame.reset_index()  # a Parquet file's index named by the flag
        if id_column not in frame.columns:
            raise ValueError(f"data file {path.name} has no id column {id_column!r}")
        ids = _id_text(frame.pop(id_column), f"data file {path.name}, id column {id_column!r}")
        frame.index = pd.Index(ids, name=id_column)
    elif suffix != ".csv" and not isinstance(frame.index, pd.RangeIndex):
        frame.index = pd.Index(_id_text(frame.index.to_series(), f"data file {path.name}'s index"))
    y = frame.pop(target)
    return frame, y


def _read_csv(
    path: Path, id_column: str | None, text: Sequence[str] = (), verbatim: Sequence[str] = ()
) -> pd.DataFrame:
    columns = pd.read_csv(path, nrows=0).columns
    exact = {column for column in [*verbatim, id_column] if column in columns}
    as_text = {column: str for column in [*text, *exact] if column in columns}
    if not exact:
        return pd.read_csv(path, dtype=as_text)
    from pandas._libs.parsers import STR_NA_VALUES  # what read_csv reads as missing

    # Every other column keeps read_csv's missing values; these are text as written.
    missing = {column: sorted(STR_NA_VALUES) for column in columns if column not in exact}
    return pd.read_csv(path, dtype=as_text, keep_default_na=False, na_values=missing)


def _id_text(ids: pd.Series, where: str) -> list[str]:
    """The ids as text; one line naming the first empty, duplicate or over-long id."""
    if pd.api.types.is_float_dtype(ids) or pd.api.types.is_bool_dtype(ids):
        raise ValueError(f"{where} holds {ids.dtype} values; store the ids as text or integers")
    positions = {}
    texts = []
    for position, value in enumerate(ids.tolist(), start=1):
        missing = pd.isna(value)
        text = "" if isinstance(missing, bool) and missing else str(value)
        if not text.strip():
            raise ValueError(f"{where}: row {position} has no id; give every row an id")
        if len(text) > MAX_ROW_ID_LENGTH:
            raise ValueError(
                f"{where}: the id in row {position} is {len(text)} characters, more than "
                f"{MAX_ROW_ID_LENGTH}; shorten it"
            )
        if text in positions:
            raise ValueError(
                f"{where}: id {text[:40]!r} is in rows {positions[text]} and {position}; "
                "give every row its own id"
            )
        positions[text] = position
        texts.append(text)
    return texts


def _json_value(value):
    """A reading JSON cannot write as it is: a date or time as ISO text, a duration as text
    ("0 days 01:30:00"), a NumPy scalar as its number, a missing time as null."""
    if value is pd.NaT:
        return None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta | np.timedelta64):
        return str(pd.Timedelta(value))
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _run(args: argparse.Namespace) -> int:
    import model

    if args.verb == "demo":
        ws = model.demo.build_demo(
            args.workspace,
            progress=lambda fraction, message: print(
                f"{fraction:4.0%}  {message}", file=sys.stderr
            ),
        )
        print(ws.summary().to_string(index=False))
        return 0
    if args.verb == "list":
        ws = model.open_workspace(args.workspace, create=False)
        summary = ws.summary()
        if summary.empty:
            print(f"{ws.path}: no sprints published yet")
            return 0
        summary["value"] = [
            format_metric(_metric_key(label), value)
            for label, value in zip(summary["metric"], summary["value"], strict=True)
        ]
        summary["mvp"] = summary["mvp"].map({True: "MVP", False: ""})
        summary["target"] = summary["target"].fillna("-")  # a target published without a name
        print(summary.drop(columns=["task"]).to_string(index=False))
        return 0
    if args.verb == "explain":
        ws = model.open_workspace(args.workspace, create=False)
        result = ws.explain(args.sprint, args.prototype, args.row, args.explained_class)
        proto = ws.prototype(args.sprint, args.prototype)
        if proto.meta.get("text_columns"):  # a free-text reading: its words, largest first
            from model.explain_text import word_contributions

            words = word_contributions(proto, args.row, result.get("explained_class"))
            result["words"] = words.to_dict("records")
        print(json.dumps(result, indent=2, ensure_ascii=False, default=_json_value))
        return 0
    if args.verb in ("export", "export-training"):
        return _export(args)
    # publish: scikit-learn and the model libraries are imported here, not for list or explain
    from model import persistence
    from model.boosting import (
        UnseenCategoriesWarning,
        catboost_category_columns,
        text_category_columns,
        with_model_categories,
    )

    # a column whose values the model mostly never saw: a note (main() hides other warnings)
    warnings.filterwarnings("default", category=UnseenCategoriesWarning)
    from model.model_columns import as_model_saw, text_columns
    from model.progress import late_printer

    # a bad words file: before any work
    words = publish_words(args.words, args.class_name, args.noun)
    trained_on = trained_on_file(args.trained_on) if args.trained_on else None
    estimator = persistence.load_model_file(args.model, trust_pickle=args.trust_pickle)
    texts = text_columns(estimator)  # what its encoders learnt: text, and missing markers
    X, y = read_data_file(
        args.data,
        args.target,
        args.id_column,
        text=[*texts, *text_category_columns(estimator)],
        verbatim=catboost_category_columns(estimator),
    )
    X = _without(X, args.leave_out, args.data)
    X = with_model_categories(estimator, X)  # a CSV's text, as the model's native categories
    X = as_model_saw(X, texts)
    ws = model.open_workspace(args.workspace)
    proto = ws.publish(
        args.sprint,
        args.name,
        estimator,
        X,
        y,
        task=args.task,
        mvp=args.mvp,
        train_seconds=args.train_seconds,
        effort_days=args.effort_days,
        notes=args.notes,
        deck_size=args.deck_size,
        positive_class=args.positive_class,
        trained_on=trained_on,
        **words,
        progress=late_printer(lambda line: print(line, file=sys.stderr, flush=True)),
    )
    print(
        f"published {proto.name!r} in {proto.sprint!r} (version {proto.version}, "
        f"{proto.meta['n_rows']} rows, explainer: {proto.meta['explainer']})"
    )
    print(f"  {proto.meta['deck']['rule']}")
    # The headline metric first (PR AUC for two classes, not the accuracy a model that never
    # flags the rare class wins), and the label metrics of two classes said at 50%: the pages
    # count at the cheapest cut-off instead.
    headline = HEADLINE_METRIC.get(proto.task)
    for key, value in sorted(proto.metrics.items(), key=lambda item: item[0] != headline):
        at = "  (at the model's own class, from 50%)" if (
            proto.task == BINARY and key in LABEL_METRICS
        ) else ""  # fmt: skip
        print(f"  {METRICS[key].label:<18} {format_metric(key, value)}{at}")
    return 0


def _without(X: pd.DataFrame, columns: list[str], path: Path) -> pd.DataFrame:
    """``X`` without ``columns`` (``--leave-out``): none kept as context for reviewers, where
    another target would show them the answer. A column the file lacks is refused by name."""
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise ValueError(
            f"--leave-out {missing[0]!r}: data file {path.name} has no such column; its "
            f"columns are {', '.join(map(str, X.columns))}"
        )
    return X.drop(columns=columns)


#: Metrics of a two-class model's labels, which depend on where it flags from.
LABEL_METRICS = ("f1", "precision", "recall", "accuracy", "balanced_accuracy")


def _export(args: argparse.Namespace) -> int:
    import feedback_store
    import model
    from feedback_store.cli import report_training
    from feedback_store.reviewer_filter import reviewer_with_verdicts
    from model.export_names import export_training_with_names, export_with_names

    ws = model.open_workspace(args.workspace, create=False)
    store = feedback_store.open(ws.path, create=False)
    scope = {"sprint": args.sprint, "prototype": args.prototype}
    _check_scope(ws, store, **scope)
    if args.verb == "export":
        # "Maria" finds maria's verdicts; a name nobody has is refused, naming who has (exit 2)
        reviewer = None if args.reviewer is None else reviewer_with_verdicts(store, args.reviewer)
        path, rows = export_with_names(
            ws, store, args.out, args.format, **scope, reviewer=reviewer, verdict=args.verdict,
        )  # fmt: skip
        print(f"{path}\t{rows} rows")
        return 0
    # with the demo rows' known values: a regression's row that reviewers called correct is
    # labelled with its actual outcome
    result = export_training_with_names(
        ws, store, args.out, args.format, **scope, rule=args.rule, lead=args.lead
    )
    report_training(result)
    return 0


def _check_scope(ws, store, sprint: str | None, prototype: str | None) -> None:
    """Refuse a ``--sprint`` or ``--prototype`` that neither the workspace nor the verdicts know
    (a typo wrote an empty file and exited 0). A deleted prototype's verdicts stay exportable."""
    sprints = ws.sprints()
    if sprint is not None and sprint not in sprints and store.verdicts(sprint=sprint).empty:
        known = ", ".join(repr(s) for s in sprints) or "none yet"
        raise ValueError(f"there is no sprint {sprint!r} in {ws.path}; its sprints are {known}")
    if prototype is None:
        return
    names = {p for s in ([sprint] if sprint in sprints else sprints) for p in ws.prototypes(s)}
    if prototype not in names and store.verdicts(sprint=sprint, prototype=prototype).empty:
        known = ", ".join(repr(n) for n in sorted(names)) or "none"
        where = f"sprint {sprint!r} has" if sprint else "the workspace has"
        raise ValueError(f"{where} no prototype {prototype!r}; its prototypes are {known}")


def _metric_key(label: str | None) -> str:
    return next((key for key, info in METRICS.items() if info.label == label), "")


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning the CLI lets through, as one line on stderr."""
    print(f"note: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # a deck that will take long says so, in one line (model.progress)
            warnings.filterwarnings("default", category=SlowPublishWarning)
            warnings.filterwarnings("default", category=UnnamedColumnsWarning)
            warnings.filterwarnings("default", category=TrainedOnDemoRowsWarning)
            warnings.filterwarnings("default", category=ContextColumnsWarning)
            warnings.filterwarnings("default", category=PrototypeReplacedWarning)
            # --mvp against the group's recorded decision: the decision's MVP stays
            warnings.filterwarnings("default", category=MvpDecidedWarning)
            # a workspace file edited by hand: what was set aside, and which file
            warnings.filterwarnings("default", category=NameReadBackWarning)
            warnings.showwarning = _note
            return _run(args)
    except (ValueError, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:  # numpy's and pyarrow's too; publishing writes nothing until the end
        print(
            f"error: ran out of memory {_DOING.get(args.verb, 'running ' + args.verb)}; "
            "use fewer rows or a machine with more memory",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT


#: What each verb was doing when memory ran out, as the error line says it.
_DOING = {
    "publish": "reading and publishing the model and its data",
    "demo": "building the demo",
    "explain": "explaining the row",
    "export": "exporting the verdicts",
    "export-training": "exporting the training rows",
}

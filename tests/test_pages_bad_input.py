"""Bad input met through the pages: one line on the page, no traceback, nothing half-written.

Every case of issue 5 a page can meet, on real files: damaged prototype files and databases,
workspace paths that cannot be used, what an SME types into the forms (numbers out of range,
a 10 MB comment, hostile text, emoji and right-to-left script), names no page should trust,
and a full disk while a verdict is recorded. Publishing-only cases (a missing target,
duplicate ids, an empty data file) are the CLI's and the API's: see test_model_cli.py and
test_model_publish.py. A truly read-only workspace is in test_readonly_workspace.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import sqlite3
from pathlib import Path

import pytest

import feedback_store
import model
from feedback_store.store import COMMENT_MAX, ROW_ID_MAX
from model import review
from tests.test_feedback_store_reliability import limited_connections
from tests.test_hostile_model_files import (
    eval_through_partial,
    nested_pickle_array,
    write_through_operator,
)
from tests.test_pages_security import HOSTILE, live_markup
from tests.test_pages_sme_review import MVP, SPRINT, card, fill, submit, wrong_class

PAGES = ["overview", "sprint_demo", "bake_off", "sme_review", "feedback"]
BAKE_OFF_TABS = [
    "Costs and assumptions",
    "Per segment",
    "Where they disagree",
    "Decision",
    "Models",
]
MVP_DIR = Path("sprints") / SPRINT / "prototypes" / MVP
#: Text an SME may well type: emoji, Hebrew and Arabic (right to left), mixed with Latin.
WORLD_TEXT = "🔧 Werkzeug verschlissen — הכלי שחוק — الأداة مهترئة 👍🏽"
TEN_MB = 10_000_000


def shown_errors(at) -> list[str]:
    """The page's error messages, after checking there is no exception and each is one line."""
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    for error in errors:
        assert "\n" not in error and "Traceback" not in error, error
    return errors


def plain(text: str) -> str:
    return text.replace("\\", "")


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every workspace file but the verdict database, which readers may checkpoint."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith("feedback.db") and path.name != ".lock"
    }


def stored(workspace: Path) -> tuple[list[dict], list[dict]]:
    """Every verdict (withdrawn ones too) and every dispute, as plain records."""
    store = feedback_store.open(workspace)
    verdicts = store.verdicts(include_withdrawn=True).astype(str).to_dict("records")
    return verdicts, store.disputes().astype(str).to_dict("records")


def damage(path: Path, how: str) -> None:
    if path.name == "feedback.db":
        # Move what the write-ahead log holds into the file first: SQLite would read the
        # pages from the log and so never notice the damage.
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if how == "truncated" else b"\x00garbage" * 64)


def show_own_case_tab(at):
    """The SME review page's "Try your own case" tab chosen, as a click on it does."""
    at.session_state["review_tab"] = "Try your own case"
    return at.run()


def explain_own_case(at, values: dict | None = None):
    show_own_case_tab(at)
    for feature, value in (values or {}).items():
        at.number_input(key=f"own_field_{MVP}_{feature}").set_value(value)
    at.button(key=f"FormSubmitter:own_case_form_{MVP}-Explain this case").click().run()
    return at


# -- damaged prototype files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "build", [eval_through_partial, write_through_operator, nested_pickle_array],
    ids=lambda build: build.__name__,
)  # fmt: skip
def test_a_hostile_model_file_runs_nothing_when_an_sme_tries_their_own_case(
    workspace_copy, open_app, tmp_path, build
):
    """A prototype's stored model replaced by a file whose payload would create ``marker``: the
    SME's own case shows one line naming what was refused, and nothing of the file runs."""
    marker = tmp_path / "payload-ran"
    (workspace_copy / MVP_DIR / "model.skops").write_bytes(build(marker))
    verdicts = stored(workspace_copy)
    at = explain_own_case(open_app(workspace_copy, page="sme_review", reviewer="zoe"))
    assert not at.exception
    (line,) = shown_errors(at)
    assert line.startswith("random forest model ") and ("not trusted" in line or "pickle" in line)
    assert not marker.exists()
    assert stored(workspace_copy) == verdicts


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_a_damaged_model_file_is_one_line_when_trying_your_own_case(workspace_copy, open_app, how):
    damage(workspace_copy / MVP_DIR / "model.skops", how)
    before, verdicts = file_hashes(workspace_copy), stored(workspace_copy)
    at = explain_own_case(open_app(workspace_copy, page="sme_review", reviewer="zoe"))
    assert shown_errors(at) == [
        "random forest model is not a readable skops file (BadZipFile); "
        "save the model again with skops.io.dump"
    ]
    # The queue's cards need no model: they still show.
    assert card(at)["prototype"] == MVP
    assert file_hashes(workspace_copy) == before
    assert stored(workspace_copy) == verdicts


def test_a_damaged_model_file_is_one_line_in_the_follow_up_panel(workspace_copy, open_app):
    """An own case judged in Sprint 1 is re-scored by Sprint 2's MVP: that loads the model."""
    proto = model.open_workspace(workspace_copy).prototype("Sprint 1", "tool-wear rule")
    case = {field["name"]: field["default"] for field in review.input_schema(proto)}
    feedback_store.open(workspace_copy).record(
        sprint="Sprint 1", prototype="tool-wear rule", row_id=feedback_store.own_case_id(case),
        reviewer="ana", verdict="wrong", corrected_label="1", features=case, task="binary",
        prediction={"label": "0"}, source="own",
    )  # fmt: skip
    damage(workspace_copy / MVP_DIR / "model.skops", "truncated")
    for page in ["overview", "sprint_demo"]:
        at = open_app(workspace_copy, page=page)
        assert [plain(e) for e in shown_errors(at)] == [
            "random forest model is not a readable skops file (BadZipFile); "
            "save the model again with skops.io.dump"
        ], page
        assert "What came of earlier feedback" in [s.value for s in at.subheader]
    # The bake-off compares published figures: it never loads a model.
    assert shown_errors(open_app(workspace_copy, page="bake_off")) == []


@pytest.mark.parametrize("how", ["truncated", "garbage"])
@pytest.mark.parametrize("name", ["predictions.parquet", "features.parquet", "shap-1.parquet"])
def test_a_damaged_parquet_file_is_one_line_naming_it_on_every_page(
    workspace_copy, open_app, name, how
):
    damage(workspace_copy / MVP_DIR / name, how)
    before, verdicts = file_hashes(workspace_copy), stored(workspace_copy)
    shown = {}
    for page in PAGES:
        at = open_app(workspace_copy, page=page, reviewer="zoe")
        errors = [plain(e) for e in shown_errors(at)]
        assert len(errors) <= 1, (page, errors)
        shown[page] = errors
        for error in errors:
            assert f"{MVP_DIR / name}'" in error and "corrupted" in error, (page, error)
    # The pages that show the MVP's rows and explanations must say it.
    assert shown["sprint_demo"] and shown["sme_review"]
    assert file_hashes(workspace_copy) == before
    assert stored(workspace_copy) == verdicts


@pytest.mark.parametrize("name", ["predictions.parquet", "features.parquet"])
def test_a_damaged_parquet_file_is_one_line_in_every_bake_off_tab(workspace_copy, open_app, name):
    """The Bake-off computes its detail tabs when they are opened: each one meets the damage
    (done to every prototype's file, as the segments read the first prototype's features)."""
    for prototype in (workspace_copy / MVP_DIR).parent.iterdir():
        damage(prototype / name, "truncated")
    at = open_app(workspace_copy, page="bake_off", reviewer="zoe")
    shown = {}
    for tab in BAKE_OFF_TABS:
        at.session_state["bake_off_tab"] = tab
        errors = [plain(e) for e in shown_errors(at.run())]
        assert len(errors) <= 1, (tab, errors)
        for error in errors:
            assert f"/{name}'" in error and "corrupted" in error, (tab, error)
        shown[tab] = errors
    # Without predictions there is no bake-off at all; without features, no segments.
    assert all(shown.values()) if name == "predictions.parquet" else shown["Per segment"]


def test_a_damaged_prototype_json_is_one_line_on_every_page(workspace_copy, open_app):
    meta = workspace_copy / MVP_DIR / "prototype.json"
    damage(meta, "truncated")
    for page in PAGES:
        at = open_app(workspace_copy, page=page, reviewer="zoe")
        if page == "feedback":  # the verdicts need no prototype; the training export does
            assert shown_errors(at) == []
            at.session_state["feedback_tab"] = "Labels for training"
            at.run()
        errors = shown_errors(at)
        assert len(errors) == 1, (page, errors)
        assert "prototype.json is damaged" in errors[0], errors
        assert "publish the prototype again" in errors[0], errors


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_a_damaged_verdicts_database_is_one_line_saying_how_to_restore(
    workspace_copy, open_app, how
):
    database = workspace_copy / "feedback.db"
    damage(database, how)
    damaged = database.read_bytes()
    for page in ["overview", "sprint_demo", "sme_review", "feedback"]:
        errors = [
            plain(e) for e in shown_errors(open_app(workspace_copy, page=page, reviewer="zoe"))
        ]
        assert len(errors) == 1, (page, errors)
        assert errors[0].startswith(f"The verdicts database in {workspace_copy} cannot be read (")
        assert f"python -m feedback_store restore --workspace {workspace_copy}" in errors[0]
    assert database.read_bytes() == damaged


# -- workspace paths ------------------------------------------------------------------------------


def test_a_workspace_that_cannot_be_created_is_one_line_and_creates_nothing(tmp_path, open_app):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    at = open_app(blocker / "workspace")
    assert [plain(e) for e in shown_errors(at)] == [
        f"cannot create workspace {blocker / 'workspace'}: Not a directory"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


# -- what an SME types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (math.nan, "enter a value for Torque [Nm]"),
        (math.inf, "enter a value for Torque [Nm]"),
        (-math.inf, "enter a value for Torque [Nm]"),
        (None, "enter a value for Torque [Nm]"),
        # beyond the demo data's range is explained with a note (6b2d924); beyond what a
        # model reads (32-bit floats) is refused
        (1e39, "Torque [Nm] must be a number between -3.4e+38 and 3.4e+38, the largest a "
               "model reads; got 1e+39"),
        (-1e39, "Torque [Nm] must be a number between -3.4e+38 and 3.4e+38, the largest a "
                "model reads; got -1e+39"),
    ],
)  # fmt: skip
def test_own_case_refuses_a_number_that_is_empty_or_outside_the_demo_range(
    small_workspace, open_app, typed, message
):
    """Issue 14: a non-finite, empty or out-of-range reading is refused in one line naming the
    field and its range; it is neither clamped nor refilled, no result is shown, nothing is
    stored."""
    at = open_app(small_workspace, page="sme_review", reviewer="zoe")
    at = explain_own_case(at, {"Torque [Nm]": typed})
    proto = model.open_workspace(small_workspace).prototype(SPRINT, MVP)
    torque = next(f for f in review.input_schema(proto) if f["name"] == "Torque [Nm]")
    expected = message.format(min=f"{torque['min']:g}", max=f"{torque['max']:g}")
    assert [plain(e) for e in shown_errors(at)] == [expected]
    assert "review_own_case" not in at.session_state  # no result, old or new, is shown
    assert feedback_store.open(small_workspace).verdicts(reviewer="zoe").empty


def test_own_case_categories_are_the_demo_data_s(small_workspace, open_app):
    """A category never seen cannot be chosen: the browser sends an option's index, and
    ``explain_own_case`` refuses an unknown one (test_review.py)."""
    at = show_own_case_tab(open_app(small_workspace, page="sme_review", reviewer="zoe"))
    proto = model.open_workspace(small_workspace).prototype(SPRINT, MVP)
    assert at.selectbox(key=f"own_field_{MVP}_Type").options == sorted(
        proto.features()["Type"].unique()
    )
    with pytest.raises(ValueError, match="Type must be one of H, L, M; got 'Z'"):
        review.explain_own_case(proto, {"Type": "Z"} | {
            f["name"]: f["default"] for f in review.input_schema(proto) if f["name"] != "Type"
        })  # fmt: skip


def test_a_ten_megabyte_comment_is_refused_in_one_line_and_nothing_is_stored(
    workspace_copy, open_app
):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    first = card(at)
    verdicts = stored(workspace_copy)
    comment_key = f"review_comment_{first['key']}"
    assert at.text_area(key=comment_key).help == f"Up to {COMMENT_MAX:,} characters."
    submit(fill(at, "wrong", label=wrong_class(at), comment="x" * TEN_MB))
    assert shown_errors(at) == [
        f"comment is {TEN_MB} characters long, the limit is {COMMENT_MAX}; shorten it"
    ]
    assert stored(workspace_copy) == verdicts
    # The same card, with the text kept to be shortened.
    assert card(at) == first
    assert len(at.text_area(key=comment_key).value) == TEN_MB
    at.text_area(key=comment_key).set_value("x" * COMMENT_MAX)
    submit(at)
    assert shown_errors(at) == []
    (saved,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert len(saved["comment"]) == COMMENT_MAX


def test_a_ten_megabyte_dispute_comment_is_refused_in_one_line(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    row_id = card(at)["row_id"]
    key = at.session_state["review_keys"][json.dumps([SPRINT, MVP, row_id, "zoe"])]["dispute"]
    at.text_input(key=f"review_dispute_comment_{key}").input("y" * TEN_MB)
    at.button(key=f"FormSubmitter:review_dispute_{key}-Record dispute").click().run()
    assert shown_errors(at) == [
        f"comment is {TEN_MB} characters long, the limit is {COMMENT_MAX}; shorten it"
    ]
    assert feedback_store.open(workspace_copy).disputes().empty


def test_a_ten_megabyte_row_id_is_cut_to_the_longest_id_and_answered_briefly(
    small_workspace, open_app
):
    at = open_app(small_workspace, page="sme_review", reviewer="zoe")
    at.selectbox(key="review_queue").set_value("by id").run()
    # The browser stops typing at max_chars; a longer value sent anyway is cut to it.
    at.text_input(key="review_row_id").set_value("9" * TEN_MB).run()
    assert shown_errors(at) == []
    assert at.text_input(key="review_row_id").value == "9" * ROW_ID_MAX
    (answer,) = [plain(i.value) for i in at.main.info]
    assert answer.startswith("row '999") and "…" in answer and answer.endswith("check the id")
    assert len(answer) < 200


def test_a_ten_megabyte_decision_rationale_is_capped_by_the_bake_off_form(workspace_copy, open_app):
    at = open_app(workspace_copy, page="bake_off", reviewer="dana")
    at.text_area(key="decision_rationale").set_value("z" * TEN_MB)
    at.button(key="FormSubmitter:decision_form-Record decision").click().run()
    assert shown_errors(at) == []
    (latest, *_) = reversed(model.open_workspace(workspace_copy).sprint_info(SPRINT)["decisions"])
    assert latest["rationale"] == "z" * 5000


def test_typed_text_in_any_script_is_stored_as_typed_and_shown_inert(workspace_copy, open_app):
    """Hostile markup, emoji and right-to-left text typed as the name, the comment, a tag and a
    dispute's comment: stored exactly, and shown as text on every page."""
    reviewer = "<b>רונית</b> 🙂 ![x](http://evil.example/p.png)"
    comment = f"{HOSTILE} {WORLD_TEXT}"
    at = open_app(workspace_copy, page="sme_review", reviewer=reviewer)
    row_id = card(at)["row_id"]
    dispute = at.session_state["review_keys"][json.dumps([SPRINT, MVP, row_id, reviewer])]
    at.text_input(key=f"review_dispute_comment_{dispute['dispute']}").input(comment)
    at.button(key=f"FormSubmitter:review_dispute_{dispute['dispute']}-Record dispute").click()
    at.run()
    submit(fill(at, "wrong", label=wrong_class(at), comment=comment, tags=[WORLD_TEXT[:40]]))
    assert shown_errors(at) == []

    store = feedback_store.open(workspace_copy)
    (verdict,) = store.verdicts(reviewer=reviewer).to_dict("records")
    assert (verdict["comment"], verdict["tags"]) == (comment, [WORLD_TEXT[:40]])
    (recorded,) = store.disputes(sprint=SPRINT, prototype=MVP).query("reviewer == @reviewer")[
        "comment"
    ]
    assert recorded == comment
    for page in PAGES:
        at = open_app(workspace_copy, page=page, reviewer=reviewer)
        assert shown_errors(at) == []
        markdown_like = [*at.markdown, *at.caption, *at.info, *at.warning, *at.success]
        for element in markdown_like:
            assert not live_markup(element), (page, element.value[:200])
            assert "![x](http" not in element.value, (page, element.value[:200])
    tables = [frame.value for frame in at.dataframe]
    assert any((table == comment).any().any() for table in tables)
    assert any((table == reviewer).any().any() for table in tables)


HOSTILE_NAME = "[x](javascript:alert(1)) 🚀 שלום *b* <i>"


def test_a_prototype_name_with_markup_emoji_and_hebrew_is_shown_as_typed(workspace_copy, open_app):
    """Names may hold any printable text; pages show it, never interpret it."""
    ws = model.open_workspace(workspace_copy)
    forest = ws.prototype(SPRINT, MVP)
    X, y = forest.features(), forest.predictions()["actual"].astype(int)
    ws.publish(SPRINT, HOSTILE_NAME, model.ToolWearRule().fit(X, y), X, y, train_seconds=0.0)
    for page in PAGES:
        at = open_app(workspace_copy, page=page, reviewer="zoe")
        assert shown_errors(at) == []
        for element in [*at.markdown, *at.caption, *at.info, *at.success, *at.subheader]:
            assert "[x](javascript:" not in element.value, (page, element.value[:200])
            assert "*b*" not in element.value and "<i>" not in element.value, page
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    assert HOSTILE_NAME in at.selectbox(key="review_prototype").options
    at.selectbox(key="review_prototype").set_value(HOSTILE_NAME).run()
    assert shown_errors(at) == []
    assert card(at)["prototype"] == HOSTILE_NAME


def files_besides_sqlites_own(folder):
    """Every path under ``folder`` but SQLite's -wal and -shm files, which come and go with
    the store's open connections."""
    return sorted(p for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm")))


@pytest.mark.parametrize(
    ("where", "name", "message"),
    [
        ("prototype", "../../outside", "contains a slash"),
        ("prototype", "..", "must not start with '.' or contain '..'"),
        ("sprint", "Sprint\x1b[31m 3", "contains control characters"),
    ],
)
def test_a_name_no_page_can_trust_is_one_line_and_nothing_is_written_outside(
    workspace_copy, open_app, where, name, message
):
    """Names are checked when published; a metadata file edited by hand is checked again."""
    folder = MVP_DIR if where == "prototype" else MVP_DIR.parent.parent
    meta_file = workspace_copy / folder / f"{where}.json"
    meta = json.loads(meta_file.read_text())
    meta["name"] = name
    meta_file.write_text(json.dumps(meta))
    outside = files_besides_sqlites_own(workspace_copy.parent)
    shown = {}
    for page in PAGES:
        shown[page] = [plain(e) for e in shown_errors(open_app(workspace_copy, page, "zoe"))]
        # A page that never asks for the named thing has nothing to say.
        assert len(shown[page]) <= 1 and all(message in e for e in shown[page]), shown
    assert any(shown.values()), shown
    if where == "prototype":
        at = open_app(workspace_copy, "sme_review", "zoe")
        at.selectbox(key="review_prototype").set_value(name).run()
        assert [plain(e) for e in shown_errors(at)] == [shown["overview"][0]]
    assert files_besides_sqlites_own(workspace_copy.parent) == outside


# -- a full disk ----------------------------------------------------------------------------------


def test_a_full_disk_while_recording_is_one_line_and_a_retry_saves_once(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    first = card(at)
    verdicts = stored(workspace_copy)
    # SQLite's own "database or disk is full", from a database that may not grow any more
    # (a real full file system: test_readonly_workspace.py).
    with pytest.MonkeyPatch.context() as full:
        limited_connections(full, max_page_count="current")
        submit(fill(at, "wrong", label=wrong_class(at), comment="x" * 9_000))
    (error,) = shown_errors(at)
    assert plain(error) == (
        f"the disk holding {workspace_copy / 'feedback.db'} is full; nothing was saved: "
        "free space and try again"
    )
    assert stored(workspace_copy) == verdicts
    assert card(at) == first
    # Space freed: the same click again saves the verdict, once.
    submit(at)
    assert shown_errors(at) == []
    (saved,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert (saved["row_id"], saved["key"]) == (first["row_id"], first["key"])

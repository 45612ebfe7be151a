"""The feedback page: verdicts, their history and exports; agreement; resolved labels and the
training export; disputes."""

import io
import json

import pandas as pd
import pytest
from conftest import open_link
from recording import record_calls

import feedback_store
import model
from feedback_store import FeedbackStore
from ui import cached, predictions_table, verdict_tables

SPRINT, MVP = "Sprint 2", "random forest"
TABS = ["Verdicts", "Agreement", "Labels for training", "Disputes"]
TAB_KEY = "feedback_tab"


def all_sprints(at):
    """The sprint filter set to "All": the page opens on the sidebar's sprint."""
    at.selectbox(key="feedback_sprint").set_value("All")
    return at.run()


def plain(text: str) -> str:
    return text.replace("\\", "")


def frame_with(at, column: str) -> pd.DataFrame:
    """The first dataframe on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def button(at, label: str):
    return next(b for b in at.get("download_button") if b.proto.label == label)


def open_tab(at, label: str):
    """Choose the tab ``label``, as a click on it does: the page reruns showing that tab."""
    assert label in TABS, label
    at.session_state[TAB_KEY] = label
    return at.run()


@pytest.fixture
def overlapping(workspace_copy) -> tuple:
    """Besides ana and bo, cy judged the two rows ana judged: the first like ana ("1"), the
    second not (ana called the prediction correct, cy gives the other class)."""
    ws = model.open_workspace(workspace_copy)
    predictions = ws.prototype(SPRINT, MVP).predictions()
    first, second = predictions.sort_values("confidence").index[:2]
    other = "0" if predictions.loc[second, "predicted"] == "1" else "1"
    store = feedback_store.open(workspace_copy)
    for row_id, verdict, label in ((first, "wrong", "1"), (second, "wrong", other)):
        store.record(
            sprint=SPRINT, prototype=MVP, row_id=row_id, reviewer="cy", verdict=verdict,
            corrected_label=label, task="binary", features={"Torque [Nm]": 40.0},
            prediction={"label": str(predictions.loc[row_id, "predicted"])},
        )  # fmt: skip
    store.dispute(
        sprint=SPRINT, prototype=MVP, row_id=first, reviewer="cy", feature="Torque [Nm]",
        kind="too strong", shap_value=0.12, comment="torque is fine here",
    )  # fmt: skip
    return workspace_copy, store


def test_feedback_lists_every_verdict_with_counts(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    assert not at.exception
    assert at.title[0].value == "Feedback"
    assert at.selectbox(key="feedback_sprint").value == "Sprint 2"  # the sidebar's
    all_sprints(at)
    table = at.dataframe[0].value
    assert sorted(table["Verdict"]) == ["correct", "correct", "unsure", "wrong"]
    assert sorted(table["Sprint"]) == ["Sprint 1", "Sprint 2", "Sprint 2", "Sprint 2"]
    assert set(table["Source"]) == {"demo"}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Correct": "2",
        "Wrong": "1",
        "Unsure": "1",
        "Verdicts": "4",
        "Reviewers": "2",
    }
    assert any(c.value.startswith("4 of 4 verdicts.") for c in at.caption)


def test_feedback_for_one_sprint_leaves_out_the_sprint_column(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    at.selectbox(key="feedback_sprint").set_value("Sprint 2").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "Sprint" not in table.columns
    assert sorted(table["Verdict"]) == ["correct", "unsure", "wrong"]
    assert any(c.value.startswith("3 of 4 verdicts.") for c in at.caption)


def test_feedback_filters_by_sprint_reviewer_and_verdict(small_workspace, open_app):
    at = all_sprints(open_app(small_workspace, page="feedback"))
    assert len(at.dataframe[0].value) == 4
    at.selectbox(key="feedback_reviewer").set_value("ana").run()
    assert set(at.dataframe[0].value["Reviewer"]) == {"ana"}
    at.selectbox(key="feedback_verdict").set_value("wrong").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table[["Reviewer", "Verdict", "Right label", "Tags"]].values.tolist() == [
        ["ana", "wrong", "1", "tool wear"]
    ]


def test_feedback_shows_a_verdicts_history(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    first = int(at.dataframe[0].value["ID"].iloc[0])
    next(b for b in at.selectbox if b.label == "Every version of").set_value(first).run()
    assert not at.exception
    history = at.dataframe[1].value
    assert history["Version"].tolist() == [1]
    assert history["Reviewer"].tolist() == ["ana"]


def test_feedback_offers_csv_parquet_and_jsonl_downloads(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:3] == ["Download CSV", "Download Parquet", "Download JSON Lines"]


def exported(at, deferred_downloads) -> dict[str, pd.DataFrame]:
    """The three verdict downloads, read back: CSV, Parquet and JSON Lines."""
    return {
        "csv": pd.read_csv(io.BytesIO(deferred_downloads(button(at, "Download CSV")))),
        "parquet": pd.read_parquet(io.BytesIO(deferred_downloads(button(at, "Download Parquet")))),
        "jsonl": pd.read_json(
            io.BytesIO(deferred_downloads(button(at, "Download JSON Lines"))), lines=True
        ),
    }


def same_verdicts(frame: pd.DataFrame, expected: pd.DataFrame) -> bool:
    columns = ["verdict_id", "reviewer", "verdict", "comment"]
    key = ["verdict_id"]
    mine = frame[columns].sort_values(key).astype(str).reset_index(drop=True)
    theirs = expected[columns].sort_values(key).astype(str).reset_index(drop=True)
    return mine.equals(theirs)


def test_downloads_hold_the_verdicts_the_filters_show(
    small_workspace, open_app, deferred_downloads
):
    store = feedback_store.open(small_workspace)
    at = all_sprints(open_app(small_workspace, page="feedback"))
    for fmt, frame in exported(at, deferred_downloads).items():
        assert same_verdicts(frame, store.verdicts()), fmt
    at.selectbox(key="feedback_verdict").set_value("correct").run()
    for fmt, frame in exported(at, deferred_downloads).items():
        assert same_verdicts(frame, store.verdicts().query("verdict == 'correct'")), fmt
    at.selectbox(key="feedback_verdict").set_value("All").run()
    at.selectbox(key="feedback_reviewer").set_value("bo").run()
    for fmt, frame in exported(at, deferred_downloads).items():
        assert same_verdicts(frame, store.verdicts(reviewer="bo")), fmt


@pytest.fixture
def deferred_files(monkeypatch) -> dict[str, tuple]:
    """File id to ``(file name, MIME type)`` of every download made when clicked."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    files: dict[str, tuple] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        files[file_id] = (file_name, mimetype)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return files


def test_downloads_keep_their_file_names_and_types(overlapping, open_app, deferred_files):
    workspace, _ = overlapping
    at = open_app(workspace, page="feedback")

    def files() -> dict:
        buttons = at.get("download_button")
        return {b.proto.label: deferred_files.get(b.proto.deferred_file_id) for b in buttons}

    assert files()["Download CSV"] == ("verdicts.csv", "text/csv")
    assert files()["Download Parquet"] == ("verdicts.parquet", "application/vnd.apache.parquet")
    assert files()["Download JSON Lines"] == ("verdicts.jsonl", "application/jsonl")
    open_tab(at, "Labels for training")
    assert files()["Download training rows (Parquet)"] == (
        "training.parquet",
        "application/vnd.apache.parquet",
    )


@pytest.fixture
def download_data(monkeypatch) -> dict[str, object]:
    """File name to the ``data`` the page last gave a download button (bytes, text or a
    callable), whether or not Streamlit then offers it."""
    from streamlit.elements.widgets import button as buttons

    given: dict[str, object] = {}
    original = buttons.marshall_file

    def marshall_file(coordinates, data, proto, mimetype, file_name=None, **kwargs):
        given[file_name] = data
        return original(coordinates, data, proto, mimetype, file_name, **kwargs)

    monkeypatch.setattr(buttons, "marshall_file", marshall_file)
    return given


def test_downloads_with_no_matching_verdict_are_disabled(workspace_copy, open_app, download_data):
    at = open_app(workspace_copy, page="feedback")
    assert callable(download_data["verdicts.csv"])
    at.selectbox(key="feedback_reviewer").set_value("bo").run()
    at.selectbox(key="feedback_verdict").set_value("wrong").run()
    assert not at.exception
    labels = ["Download CSV", "Download Parquet", "Download JSON Lines"]
    assert all(button(at, label).proto.disabled for label in labels)
    assert [download_data[f"verdicts.{fmt}"] for fmt in ("csv", "parquet", "jsonl")] == [b""] * 3


def test_agreement_shows_kappa_per_sprint_per_pair_and_the_conflicts(overlapping, open_app):
    workspace, store = overlapping
    at = open_tab(all_sprints(open_app(workspace, page="feedback")), "Agreement")
    assert not at.exception
    agreement = frame_with(at, "Beyond chance").set_index("Sprint")
    expected = feedback_store.agreement(store, SPRINT)
    # One row has 3 reviewers, the other 2: Krippendorff's α on both (Fleiss' κ took one).
    assert (expected["method"], expected["kappa_rows"]) == ("krippendorff", 2)
    assert agreement.loc[SPRINT, "Rows with 2+ reviewers"] == expected["rows"] == 2
    assert agreement.loc[SPRINT, "Beyond chance"] == f"{expected['kappa']:.2f}"
    assert agreement.loc[SPRINT, "Measured by"] == "Krippendorff's α"
    assert agreement.loc["Sprint 1", "Rows with 2+ reviewers"] == 0
    assert f"{SPRINT}: {expected['sentence']}" in [plain(m.value) for m in at.markdown]

    pairs = frame_with(at, "Reviewer B")
    assert pairs[["Reviewer A", "Reviewer B", "Shared rows"]].values.tolist() == [
        ["ana", "bo", 1],
        ["ana", "cy", 2],
        ["bo", "cy", 1],
    ]
    assert pairs.set_index("Reviewer B").loc["cy", "Same answer"].tolist() == ["50%", "0%"]
    # agreement beyond chance in words, as in the table above; its statistic's name is not a
    # column a reviewer reads
    assert "Beyond chance" in pairs.columns and "Cohen's κ" not in pairs.columns
    conflicts = frame_with(at, "Their label")
    assert sorted(conflicts["Reviewer"]) == ["ana", "ana", "bo", "cy", "cy"]


def test_agreement_with_two_reviewers_is_cohens_kappa(workspace_copy, open_app):
    store = feedback_store.open(workspace_copy)
    predictions = model.open_workspace(workspace_copy).prototype(SPRINT, MVP).predictions()
    second = predictions.sort_values("confidence").index[1]
    store.record(sprint=SPRINT, prototype=MVP, row_id=second, reviewer="bo", verdict="correct",
                 task="binary")  # fmt: skip
    at = open_tab(open_app(workspace_copy, page="feedback"), "Agreement")
    at.selectbox(key="feedback_sprint").set_value(SPRINT).run()
    assert not at.exception
    expected = feedback_store.agreement(store, SPRINT)
    agreement = frame_with(at, "Beyond chance")
    columns = ["Sprint", "Rows with 2+ reviewers", "Same answer", "Measured by"]
    assert agreement[columns].values.tolist() == [[SPRINT, 2, "50%", "Cohen's κ"]]
    assert "Cohen's κ = " in expected["sentence"]
    assert f"{SPRINT}: {expected['sentence']}" in [plain(m.value) for m in at.markdown]


def test_resolved_labels_follow_the_rule_and_the_lead(overlapping, open_app):
    workspace, _ = overlapping
    at = open_tab(open_app(workspace, page="feedback"), "Labels for training")
    at.selectbox(key="feedback_sprint").set_value(SPRINT).run()
    predictions = model.open_workspace(workspace).prototype(SPRINT, MVP).predictions()
    first, second = predictions.sort_values("confidence").index[:2]
    resolved = frame_with(at, "Their labels").set_index("Row")
    assert resolved.loc[first, "Label"] == "1"
    assert resolved.loc[second, "Label"] == "—"
    assert resolved.loc[second, "Why"].startswith("tie between ")
    assert any(c.value.startswith("1 of 2 reviewed rows have a label") for c in at.caption)
    at.selectbox(key="feedback_rule").set_value("lead").run()
    at.selectbox(key="feedback_lead").set_value("ana").run()
    assert not at.exception
    resolved = frame_with(at, "Their labels").set_index("Row")
    assert resolved["Why"].tolist() == ["lead rule", "lead rule"]
    assert resolved.loc[[first, second], "Label"].tolist() == [
        "1",
        predictions.loc[second, "predicted"],
    ]


def test_the_training_export_warns_about_demo_rows_in_its_manifest(
    overlapping, open_app, downloads, deferred_downloads
):
    workspace, _ = overlapping
    at = open_tab(open_app(workspace, page="feedback"), "Labels for training")
    manifest = json.loads(downloads(button(at, "Download manifest (JSON)")))
    leak = feedback_store.demo_set_warning(manifest["counts"]["in_demo_set"])
    assert manifest["counts"]["in_demo_set"] >= 1
    assert leak in manifest["warnings"]
    assert manifest["demo_set"] == "demo_row_ids given by the caller"
    assert leak in [plain(w.value) for w in at.warning]
    # the tie left out: what to do on the page, in words, not the manifest's Python name
    infos = [plain(i.value) for i in at.main.info]
    unresolved = manifest["counts"]["unresolved"]
    assert feedback_store.unresolved_warning(unresolved) in manifest["warnings"]
    assert verdict_tables.unresolved_text(unresolved, "majority") in infos
    assert not any("feedback_store" in text for text in infos)
    rows = pd.read_parquet(
        io.BytesIO(deferred_downloads(button(at, "Download training rows (Parquet)")))
    )
    assert len(rows) == manifest["counts"]["rows"] == 1
    assert rows["label"].tolist() == [1]
    assert rows["in_demo_set"].all()
    at.selectbox(key="feedback_training_format").set_value("csv").run()
    assert not at.exception
    rows = pd.read_csv(
        io.BytesIO(deferred_downloads(button(at, "Download training rows (CSV)"))), dtype=str
    )
    assert rows["label"].tolist() == ["1"]


def test_labels_of_two_targets_are_not_exported_together_and_the_page_says_why(
    overlapping, open_app
):
    # Sprint 3 predicts tool wear in minutes: its "120" and Sprint 2's "1" made one column
    from sklearn.linear_model import LinearRegression

    from tests.conftest import split_data

    workspace, store = overlapping
    X, _, X_demo, _ = split_data()
    numbers = [c for c in X.select_dtypes("number").columns if c != "Tool wear [min]"]
    ws = model.open_workspace(workspace)
    wear = LinearRegression().fit(X[numbers], X["Tool wear [min]"])
    ws.publish("Sprint 3", "wear", wear, X_demo[numbers], X_demo["Tool wear [min]"])
    store.record(
        sprint="Sprint 3", prototype="wear", row_id=X_demo.index[0], reviewer="ana",
        verdict="wrong", corrected_label="120", task="regression",
        features=X_demo[numbers].iloc[0].to_dict(), prediction={"label": "61.2"},
    )  # fmt: skip
    at = open_tab(all_sprints(open_app(workspace, page="feedback")), "Labels for training")
    assert not at.exception
    (said,) = [plain(i.value) for i in at.main.info if "different targets" in i.value]
    assert "Machine failure (two classes) in Sprint 2; Tool wear [min] (values) in Sprint 3" in said
    assert "Download training rows (Parquet)" not in [
        b.proto.label for b in at.get("download_button")
    ]
    at.selectbox(key="feedback_sprint").set_value("Sprint 3").run()
    assert button(at, "Download training rows (Parquet)")


def test_disputes_are_counted_per_feature_in_a_table_and_a_chart(overlapping, open_app):
    workspace, _ = overlapping
    at = open_tab(open_app(workspace, page="feedback"), "Disputes")
    counts = frame_with(at, "Disputes")
    assert counts[["Prototype", "Feature", "Kind", "Disputes"]].values.tolist() == [
        [MVP, "Torque [Nm]", "too strong", 1]
    ]
    assert len(at.get("vega_lite_chart")) == 1
    detail = frame_with(at, "Contribution shown")
    assert detail[["Feature", "Comment"]].values.tolist() == [
        ["Torque [Nm]", "torque is fine here"]
    ]


def test_without_disputes_the_page_says_where_they_come_from(small_workspace, open_app):
    at = open_tab(open_app(small_workspace, page="feedback"), "Disputes")
    assert any("Right answer, wrong reason?" in i.value for i in at.main.info)
    assert not at.get("vega_lite_chart")


def test_only_a_scientist_may_download(overlapping, open_signed_in, download_data):
    workspace, _ = overlapping
    at = open_signed_in(workspace, "ana@plant.example", "sme", "feedback")
    assert not at.exception
    assert all(b.proto.disabled for b in at.get("download_button"))
    open_tab(at, "Labels for training")
    assert not at.exception
    assert not at.get("download_button")
    assert any("cannot export feedback" in plain(i.value) for i in at.main.info)
    # Nothing that could make a file is handed to Streamlit for this role.
    assert download_data and not any(callable(data) or data for data in download_data.values())
    at = open_signed_in(workspace, "dana@plant.example", "scientist", "feedback")
    assert not any(b.proto.disabled for b in at.get("download_button"))
    open_tab(at, "Labels for training")
    assert len(at.get("download_button")) == 2
    assert not any(b.proto.disabled for b in at.get("download_button"))


def test_the_history_box_starts_afresh_on_the_filtered_verdicts(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    history_box = next(b for b in at.selectbox if b.label == "Every version of")
    assert "· ana ·" in history_box.options[history_box.index]
    at.selectbox(key="feedback_reviewer").set_value("bo").run()
    history_box = next(b for b in at.selectbox if b.label == "Every version of")
    assert "· bo ·" in history_box.options[history_box.index], history_box.options
    assert all("· bo ·" in option for option in history_box.options)
    assert at.dataframe[1].value["Reviewer"].eq("bo").all()


def test_the_verdicts_table_sends_a_page_at_a_time(overlapping, open_app, monkeypatch):
    """Six verdicts, pages of four: the table, its caption and the history box show the page
    chosen, never every verdict at once."""
    workspace, _ = overlapping
    monkeypatch.setattr(predictions_table, "TABLE_PAGE_SIZE", 4)
    at = all_sprints(open_app(workspace, page="feedback"))
    assert not at.exception
    ids = list(at.dataframe[0].value["ID"])
    assert len(ids) == 4
    assert any(c.value.startswith("6 of 6 verdicts. Showing 1–4 of them.") for c in at.caption)
    history_box = next(b for b in at.selectbox if b.label == "Every version of")
    assert len(history_box.options) == 4
    (page_box,) = [n for n in at.number_input if n.label == "Page (of 2)"]
    page_box.set_value(2).run()
    assert not at.exception
    second = list(at.dataframe[0].value["ID"])
    assert len(second) == 2 and not set(second) & set(ids)
    assert any(c.value.startswith("6 of 6 verdicts. Showing 5–6 of them.") for c in at.caption)
    history_box = next(b for b in at.selectbox if b.label == "Every version of")
    assert [int(o.split(" ")[0].lstrip("#")) for o in history_box.options] == second


# -- only the open tab is computed ----------------------------------------------------------------
#: What each hidden tab is computed from; the verdicts tab needs none of it.
TAB_SOURCES = {
    "Agreement": [
        (feedback_store, "reviewer_labels"), (cached, "agreement"),
        (cached, "pairwise_agreement"), (cached, "conflicts"),
    ],
    "Labels for training": [
        (feedback_store, "reviewer_labels"), (cached, "resolved_labels"),
        (cached, "training_manifest"), (FeedbackStore, "export_training"),
    ],
    "Disputes": [
        (FeedbackStore, "dispute_counts"), (FeedbackStore, "disputes"), (cached, "dispute_spec"),
    ],
}  # fmt: skip


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """The names of the tabs' sources (``TAB_SOURCES``) in the order the page called them."""
    return record_calls(
        monkeypatch, {source for sources in TAB_SOURCES.values() for source in sources}
    )


def test_a_first_open_computes_only_the_verdicts_tab(overlapping, open_app, calls):
    workspace, _ = overlapping
    at = open_app(workspace, page="feedback")
    assert not at.exception
    assert at.session_state[TAB_KEY] == "Verdicts"
    assert "Reviewer" in at.dataframe[0].value.columns
    assert calls == []
    assert not at.get("vega_lite_chart")  # the dispute chart is not drawn either


@pytest.mark.parametrize("label", TABS[1:])
def test_a_tab_is_computed_when_chosen_and_only_it(overlapping, open_app, calls, label):
    workspace, _ = overlapping
    at = open_tab(open_app(workspace, page="feedback"), label)
    assert not at.exception
    assert set(calls) == {name for _, name in TAB_SOURCES[label]}
    shown = {
        "Agreement": lambda: frame_with(at, "Reviewer B"),
        "Labels for training": lambda: frame_with(at, "Their labels"),
        "Disputes": lambda: frame_with(at, "Contribution shown"),
    }
    shown[label]()  # the tab's own table
    for other in set(shown) - {label}:
        with pytest.raises(StopIteration):
            shown[other]()


def test_choices_in_a_tab_are_kept_while_another_is_shown(overlapping, open_app):
    workspace, _ = overlapping
    at = open_app(workspace, page="feedback")
    last = int(at.dataframe[0].value["ID"].iloc[-1])
    next(b for b in at.selectbox if b.label == "Every version of").set_value(last).run()
    open_tab(at, "Labels for training")
    at.selectbox(key="feedback_rule").set_value("lead").run()
    at.selectbox(key="feedback_lead").set_value("cy").run()
    at.selectbox(key="feedback_training_format").set_value("jsonl").run()
    open_tab(at, "Agreement")
    at.run()  # a second run without the Labels tab: Streamlit forgets after one
    open_tab(at, "Labels for training")
    assert not at.exception
    assert at.selectbox(key="feedback_rule").value == "lead"
    assert at.selectbox(key="feedback_lead").value == "cy"
    assert at.selectbox(key="feedback_training_format").value == "jsonl"
    assert button(at, "Download training rows (JSON Lines)")
    open_tab(at, "Verdicts")
    assert next(b for b in at.selectbox if b.label == "Every version of").value == last


def publish_with_class_names(workspace) -> model.Prototype:
    """The MVP published again with its classes named "No failure" and "Failure"."""
    ws = model.open_workspace(workspace)
    old = ws.prototype(SPRINT, MVP)
    ws.publish(
        SPRINT, MVP, old.estimator(), old.features(), old.predictions()["actual"],
        class_names={0: "No failure", 1: "Failure"}, train_seconds=0.5,
    )  # fmt: skip
    return ws.prototype(SPRINT, MVP)


def test_verdicts_show_the_prototype_version_and_class_names_exports_keep_codes(
    workspace_copy, open_app, download_data
):
    proto = publish_with_class_names(workspace_copy)
    predictions = proto.predictions()
    row_id = predictions.index[predictions["predicted"] == "0"][0]
    feedback_store.open(workspace_copy).record(
        sprint=SPRINT, prototype=MVP, row_id=row_id, reviewer="cy", verdict="wrong",
        corrected_label="1", task="binary", prediction={"label": "0"},
        prototype_version=proto.version, prototype_content=proto.content_id,
    )  # fmt: skip
    at = open_app(workspace_copy, page="feedback")
    at.selectbox(key="feedback_reviewer").set_value("cy").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table[["Right label", "Prototype version"]].values.tolist() == [
        ["Failure (1)", str(proto.version)]
    ]
    history = at.dataframe[1].value  # the history names it as the table does (it said "1")
    assert history.filter(like="label").iloc[:, 0].tolist() == ["Failure (1)"]
    exported = pd.read_csv(io.BytesIO(download_data["verdicts.csv"]()), dtype=str)
    assert exported[["corrected_label", "prototype_version"]].values.tolist() == [
        ["1", str(proto.version)]
    ]
    # Verdicts recorded before versions were kept say so; the history shows it too.
    at.selectbox(key="feedback_reviewer").set_value("ana").run()
    assert set(at.dataframe[0].value["Prototype version"]) == {"unknown"}
    assert "Prototype version" in at.dataframe[1].value.columns


def feedback_from_link(monkeypatch, workspace, **params):
    return open_link(monkeypatch, workspace, "feedback", **params)


def test_the_prototype_filter_lives_in_the_url(small_workspace, monkeypatch):
    at = feedback_from_link(monkeypatch, small_workspace, prototype="tool-wear rule")
    assert not at.exception
    assert at.selectbox(key="feedback_prototype").value == "tool-wear rule"
    assert any(c.value.startswith("1 of 4 verdicts.") for c in at.caption)  # Sprint 1's one
    at.selectbox(key="feedback_prototype").set_value(MVP).run()
    assert at.query_params["prototype"] == MVP
    again = feedback_from_link(monkeypatch, small_workspace, **dict(at.query_params))
    assert again.selectbox(key="feedback_prototype").value == MVP
    again.selectbox(key="feedback_prototype").set_value("All").run()
    assert "prototype" not in again.query_params
    assert len(again.dataframe[0].value) == 3  # Sprint 2's: the sidebar's sprint


def test_a_prototype_in_the_link_without_verdicts_is_ignored(small_workspace, monkeypatch):
    at = feedback_from_link(monkeypatch, small_workspace, prototype="no such prototype")
    assert not at.exception
    assert at.selectbox(key="feedback_prototype").value == "All"
    assert "prototype" not in at.query_params


def test_a_verdicts_latest_comment_is_shown_whole_under_its_history(workspace_copy, open_app):
    from ui.formatting import escape_markdown

    # the table cuts a long comment short at 1280 pixels; under the history it reads whole
    store = feedback_store.open(workspace_copy)
    long = "Overstrain: tool wear × torque is far above the 11,000 minNm limit for L; " * 3
    first = int(store.verdicts()["verdict_id"].iloc[0])
    row = store.verdicts().set_index("verdict_id").loc[first]
    store.record(
        sprint=row["sprint"], prototype=row["prototype"], row_id=row["row_id"],
        reviewer=row["reviewer"], verdict="wrong", corrected_label="1", task="binary",
        comment=long, prediction={"label": "0"},
    )  # fmt: skip
    at = open_app(workspace_copy, page="feedback")
    now = store.verdicts()
    mine = now[(now["row_id"] == row["row_id"]) & (now["reviewer"] == row["reviewer"])]
    latest = int(mine["verdict_id"].iloc[0])
    next(b for b in at.selectbox if b.label == "Every version of").set_value(latest).run()
    assert not at.exception
    shown = [m.value for m in at.markdown if m.value.startswith("**Comment:**")]
    assert shown == [f"**Comment:** {escape_markdown(long.strip())}"]  # rendered as written


def test_conflicts_and_resolved_labels_name_the_classes(overlapping, open_app):
    workspace, _ = overlapping
    publish_with_class_names(workspace)
    named = {"No failure (0)", "Failure (1)"}
    at = open_tab(open_app(workspace, page="feedback"), "Agreement")
    assert not at.exception
    conflicts = frame_with(at, "Their label")
    assert set(conflicts["Shown"]) <= named
    assert set(conflicts["Their label"]) <= named | {"unsure"}
    assert "Failure (1)" in set(conflicts["Their label"])
    open_tab(at, "Labels for training")
    at.selectbox(key="feedback_sprint").set_value(SPRINT).run()
    resolved = frame_with(at, "Their labels")
    assert set(resolved["Label"]) <= named | {"—"} and "Failure (1)" in set(resolved["Label"])
    assert all(set(labels.split(", ")) <= named | {"unsure"} for labels in resolved["Their labels"])
    # a tie is said in names too ("tie between 0 and 1" before)
    ties = [why for why in resolved["Why"] if why.startswith("tie between")]
    assert ties == ["tie between No failure (0) and Failure (1)"]


def test_a_verdict_s_history_names_the_right_label_as_the_verdicts_table_does(small_workspace):
    """The history showed the bare code "1" where the verdicts table shows "Failure (1)"."""
    store = feedback_store.open(small_workspace)
    verdicts = store.verdicts()
    wrong = verdicts[verdicts["corrected_label"].fillna("") != ""].iloc[0]
    names = {(wrong["sprint"], wrong["prototype"]): {"0": "No failure", "1": "Failure"}}
    label = str(wrong["corrected_label"])
    history = verdict_tables.history_table(store.history(int(wrong["verdict_id"])), names)
    table = verdict_tables.name_labels(verdict_tables.verdicts_table(verdicts), names)
    assert history["Right label"].iloc[-1] == f"{names[next(iter(names))][label]} ({label})"
    assert history["Right label"].iloc[-1] in set(table["Right label"])

"""The Feedback page says in words why verdicts saved without readings are not in the training
file; the Python names of the export's warning stay behind *Technical details*."""

from test_pages_feedback import MVP, SPRINT, open_tab, plain

import feedback_store
import model


def test_verdicts_without_readings_are_explained_without_python_names(workspace_copy, open_app):
    """The page showed the manifest's line: "… (store.record with no features=); record them
    through model.review.record_verdict, which fills in the row's published features"."""
    rows = model.open_workspace(workspace_copy).prototype(SPRINT, MVP).predictions().index[-2:]
    store = feedback_store.open(workspace_copy)
    for reviewer in ("zoe", "yan"):
        store.record(sprint=SPRINT, prototype=MVP, row_id=rows[0], reviewer=reviewer,
                     verdict="wrong", corrected_label="1", task="binary")  # fmt: skip
    store.record(sprint=SPRINT, prototype=MVP, row_id=rows[1], reviewer="zoe",
                 verdict="wrong", corrected_label="1", task="binary")  # fmt: skip
    verdicts = store.verdicts(sprint=SPRINT)
    bare = verdicts[verdicts["features"].isna()]
    counted = (len(bare), bare["row_id"].nunique())
    assert counted == (6, 4)  # three by the small workspace's scripted reviewers, three here
    at = open_tab(open_app(workspace_copy, page="feedback"), "Labels for training")
    assert not at.exception
    infos = [plain(i.value) for i in at.main.info]
    assert (
        "6 verdicts on 4 rows are left out of the file: they were saved without the row's "
        "readings (by a script, not on the SME review page), so they cannot become training "
        "rows. Verdicts given on the SME review page keep the readings."
    ) in infos
    shown = infos + [plain(w.value) for w in at.main.warning]
    assert not any("record_verdict" in text or "features=" in text for text in shown)
    (details,) = [e for e in at.main.expander if e.label == "Technical details"]
    assert "model.review.record_verdict" in plain(details.caption[0].value)

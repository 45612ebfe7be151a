"""A two-class verdict "wrong, should be <the model's own class>" recorded through the API
without the prediction shown: the pages decide at the cheapest cut-off, so the reviewer saw
the other class there. A trial's four false alarms were refused with "the corrected label
'0' is what the model predicted", which contradicted every page and gave no way out."""

from __future__ import annotations

import pytest

import feedback_store
import model
from feedback_store import InvalidVerdict
from model.review import record_verdict, shown_version

SPRINT, NAME = "Sprint 2", "random forest"


def test_the_refusal_says_how_to_give_the_decision_at_a_cut_off(small_workspace, tmp_path):
    import shutil

    path = tmp_path / "ws"
    shutil.copytree(small_workspace, path)
    ws, store = model.open_workspace(path), feedback_store.open(path)
    proto = ws.prototype(SPRINT, NAME)
    predictions = proto.predictions()
    row = str(predictions.index[predictions["predicted"] == "0"][-1])
    chance = float(predictions.loc[row, "p:1"])
    version, content = shown_version(proto)
    before = len(store.verdicts())
    common = dict(sprint=SPRINT, prototype=NAME, version=version, content_id=content,
                  row_id=row, reviewer="wanda", verdict="wrong", corrected_label="0")  # fmt: skip
    with pytest.raises(InvalidVerdict) as refused:
        record_verdict(store, ws, **common)
    said = str(refused.value)
    assert f"is what {NAME} predicts for row {row!r} at its own 50% cut-off" in said
    assert f"({chance:.1%} chance of '1')" in said
    assert "prediction={'label': '1', 'threshold': <that cut-off>}" in said
    assert len(store.verdicts()) == before
    # as the card showed it, flagged at a cut-off at or below its chance: stored
    shown = {"label": "1", "threshold": chance}
    record_verdict(store, ws, **common, prediction=shown)
    stored = store.verdicts()
    assert len(stored) == before + 1
    mine = stored[stored["reviewer"] == "wanda"]
    assert list(mine["corrected_label"]) == ["0"] and list(mine["row_id"]) == [row]

"""Row ids over the limit are refused when publishing, as the verdict store refuses them."""

from __future__ import annotations

import pytest

import feedback_store
import model
from model.config import MAX_ROW_ID_LENGTH
from model.demo import FEATURES, TARGET, load_demo_data


@pytest.fixture(scope="module")
def machines():
    data = load_demo_data().iloc[:120]
    return data[FEATURES], data[TARGET]


def with_first_id(machines, row_id: str):
    X, y = machines
    ids = [row_id, *X.index[1:]]
    return X.set_axis(ids), y.set_axis(ids)


def test_an_id_over_the_limit_is_refused_in_one_line(tmp_path, machines):
    X, y = with_first_id(machines, "x" * (MAX_ROW_ID_LENGTH + 1))
    rule = model.ToolWearRule().fit(X, y)
    with pytest.raises(model.PublishError) as raised:
        model.open_workspace(tmp_path).publish("S1", "rule", rule, X, y)
    message = str(raised.value)
    assert message == (
        f"row id {'x' * 40!r}… is {MAX_ROW_ID_LENGTH + 1} characters long; verdicts are stored "
        f"for ids of at most {MAX_ROW_ID_LENGTH} characters: shorten the ids"
    )
    assert not (tmp_path / "sprints").exists()


def test_an_id_at_the_limit_publishes_and_takes_a_verdict(tmp_path, machines):
    row_id = "7" * MAX_ROW_ID_LENGTH
    X, y = with_first_id(machines, row_id)
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S1", "rule", model.ToolWearRule().fit(X, y), X, y)
    assert row_id in proto.predictions().index
    store = feedback_store.open(tmp_path)
    store.record(sprint="S1", prototype="rule", row_id=row_id, reviewer="ana", verdict="correct")
    with pytest.raises(feedback_store.InvalidVerdict):
        store.record(
            sprint="S1", prototype="rule", row_id=row_id + "7", reviewer="ana", verdict="correct"
        )

"""The Sprint demo page: class names are user text, shown as typed in its tables."""

import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

import model

LINK = "[fail](http:evil.example)"


def _published(path, classes: int) -> None:
    X = pd.DataFrame(
        {"a": range(90), "b": [i % 7 for i in range(90)]}, index=[str(i) for i in range(90)]
    )
    y = (X.a * classes // 90 + (X.b == 3)) % classes  # a few rows a shallow tree gets wrong
    names = {"0": "ok", "1": LINK, "2": "*bold* ok"}
    ws = model.open_workspace(path)
    ws.publish(
        sprint="S",
        name="m",
        estimator=DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y),
        X=X,
        y=y,
        mvp=True,
        class_names={k: v for k, v in names.items() if int(k) < classes},
    )


@pytest.mark.parametrize("classes", [2, 3])
def test_a_class_name_in_the_confusion_table_is_no_live_link(tmp_path, open_app, classes):
    # trial H D4b: "[fail](http:evil.example)" became a link on the SME page
    _published(tmp_path / "ws", classes)
    demo = open_app(tmp_path / "ws", page="sprint_demo")
    assert not demo.exception
    assert demo.table, "the confusion table is shown"
    for table in demo.table:
        frame = table.value
        cells = [*map(str, frame.columns), *map(str, frame.index), *frame.astype(str).stack()]
        assert not [c for c in cells if "[fail](" in c], cells
        assert any("\\[fail\\]" in c for c in cells), cells

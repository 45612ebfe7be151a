"""Words, not codes: class names, feature descriptions and display units from publish."""

from __future__ import annotations

import json

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression

import model
from model.demo import FEATURES, TARGET, load_demo_data
from model.labels import DisplayUnit, display_unit

KELVIN = {"unit": "K", "also": "°C", "offset": -273.15}


@pytest.fixture(scope="module")
def machines():
    data = load_demo_data().iloc[:150]
    return data[FEATURES], data[TARGET]


def publish(tmp_path, machines, **words):
    X, y = machines
    rule = model.ToolWearRule().fit(X, y)
    return model.open_workspace(tmp_path).publish("S1", "rule", rule, X, y, **words)


def test_words_are_stored_and_read_back(tmp_path, machines):
    proto = publish(
        tmp_path,
        machines,
        class_names={0: "No failure", 1: "Failure"},
        feature_descriptions={"Type": "quality variant: L low, M medium, H high"},
        display_units={"Air temperature [K]": KELVIN, "Rotational speed [rpm]": "rpm"},
    )
    assert proto.class_names == {"0": "No failure", "1": "Failure"}
    assert proto.class_name(1) == proto.class_name("1") == proto.class_name(1.0) == "Failure"
    assert proto.feature_description("Type") == "quality variant: L low, M medium, H high"
    assert proto.feature_description("Torque [Nm]") is None
    kelvin = proto.display_unit("Air temperature [K]")
    assert kelvin == DisplayUnit("K", "°C", 1.0, -273.15)
    assert kelvin.format(300.15) == "300.1 K (27.0 °C)"
    assert proto.display_unit("Rotational speed [rpm]").format(1551, digits=0) == "1,551 rpm"
    assert proto.display_unit("Torque [Nm]") is None
    stored = json.loads((proto.path / "prototype.json").read_text(encoding="utf-8"))
    assert stored["class_names"] == {"0": "No failure", "1": "Failure"}
    assert stored["display_units"]["Air temperature [K]"] == {
        "unit": "K",
        "also": "°C",
        "scale": 1.0,
        "offset": -273.15,
    }


def test_class_names_default_to_the_labels(tmp_path, machines):
    proto = publish(tmp_path, machines, class_names={1: "Failure"})
    assert proto.class_names == {"0": "0", "1": "Failure"}
    plain = publish(tmp_path / "plain", machines)
    assert plain.class_names == {"0": "0", "1": "1"}
    assert plain.feature_description("Type") is None and plain.display_unit("Type") is None


def test_a_model_of_true_and_false_takes_their_names_as_text(tmp_path, machines):
    """Its classes are shown as 0 and 1; "True" and "False", what --class-name True=Failure
    and a words file give, were refused ("its classes are 0, 1")."""
    X, y = machines
    rule = model.ToolWearRule().fit(X, y.astype(bool))
    proto = model.open_workspace(tmp_path).publish(
        "S1", "flags", rule, X, y.astype(bool),
        class_names={"True": "Failure", "False": "No failure"}, positive_class="True",
    )  # fmt: skip
    assert proto.class_names == {"1": "Failure", "0": "No failure"}
    assert proto.meta["positive_class"] == "1"
    with pytest.raises(model.PublishError, match="is not a class of the model"):
        model.open_workspace(tmp_path).publish(
            "S1", "codes", model.ToolWearRule().fit(X, y.map({0: "ok", 1: "fail"})),
            X, y.map({0: "ok", 1: "fail"}), class_names={"True": "Failure"},
        )  # fmt: skip


def test_explain_takes_a_class_by_its_label_or_its_name_and_says_both(tmp_path, machines):
    """--class Failure was refused with "choose one of ['1']", an int label 1 likewise, and a
    regression said "choose one of [None]"."""
    proto = publish(tmp_path, machines, class_names={0: "No failure", 1: "Failure"})
    ws, row = model.open_workspace(tmp_path), str(proto.predictions().index[0])
    for asked in ("Failure", "failure", 1, "1", None):
        explained = ws.explain("S1", "rule", row, asked)
        assert explained["explained_class"] == "1"
        assert explained["explained_class_name"] == "Failure"
    assert explained["predicted_name"] == proto.class_name(explained["predicted"])
    with pytest.raises(
        model.WorkspaceError,
        match=r"^class 'No failure' is not explained for rule; choose one of '1' \(Failure\)$",
    ):
        ws.explain("S1", "rule", row, "No failure")
    X, y = machines
    numbers = [c for c in FEATURES if c != "Type"]
    wear = LinearRegression().fit(X[numbers], X["Tool wear [min]"])
    ws.publish("S2", "wear", wear, X[numbers], X["Tool wear [min]"])
    with pytest.raises(model.WorkspaceError, match="wear predicts numbers: there is no class"):
        ws.explain("S2", "wear", row, "1")
    assert ws.explain("S2", "wear", row)["explained_class_name"] is None


def test_a_prototype_published_before_words_existed_reads_as_codes(tmp_path, machines):
    proto = publish(tmp_path, machines, class_names={1: "Failure"})
    meta = {k: v for k, v in proto.meta.items() if k != "class_names"}
    (proto.path / "prototype.json").write_text(json.dumps(meta))
    assert model.open_workspace(tmp_path).prototype("S1", "rule").class_names == {
        "0": "0",
        "1": "1",
    }


def test_multiclass_names_use_the_model_labels(tmp_path):
    iris = load_iris(as_frame=True)
    X, y = iris.data, iris.target
    fitted = LogisticRegression(max_iter=500).fit(X, y)
    names = dict(enumerate(iris.target_names))
    proto = model.open_workspace(tmp_path).publish("S1", "iris", fitted, X, y, class_names=names)
    assert proto.class_names == {"0": "setosa", "1": "versicolor", "2": "virginica"}


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (
            {"class_names": {2: "Broken"}},
            "class names: 2 is not a class of the model; its classes are 0, 1",
        ),
        (
            {"class_names": {0: "Same", 1: "Same"}},
            "classes '0' and '1' are both named 'Same'",
        ),
        ({"class_names": {1: ""}}, "the name of class '1' must be non-empty text, got ''"),
        (
            {"feature_descriptions": {"Colour": "paint"}},
            "feature descriptions: 'Colour' is not a feature column; the columns are 'Type', "
            "'Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]', "
            "'Torque [Nm]', 'Tool wear [min]'",
        ),
        ({"display_units": {"Type": "grade"}}, "display units: column 'Type' is not numeric"),
        (
            {"display_units": {"Colour": "K"}},
            "display units: 'Colour' is not a feature column; the columns are 'Type', "
            "'Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]', "
            "'Torque [Nm]', 'Tool wear [min]'",
        ),
        (
            {"display_units": {"Torque [Nm]": {"unit": "Nm", "factor": 2}}},
            "display unit key 'factor' is unknown; use unit, also, scale and offset",
        ),
        (
            {"display_units": {"Torque [Nm]": {"unit": "Nm", "offset": 1}}},
            "display unit 'Nm' has a scale or offset but no 'also' unit",
        ),
        (
            {"display_units": {"Torque [Nm]": {"unit": "Nm", "also": "lbf·ft", "scale": "x"}}},
            "the scale from Nm to lbf·ft must be a finite number, got 'x'",
        ),
    ],
)
def test_bad_words_are_one_line_and_nothing_is_written(tmp_path, machines, words, message):
    with pytest.raises(model.PublishError) as raised:
        publish(tmp_path, machines, **words)
    assert str(raised.value) == message
    assert not (tmp_path / "sprints").exists()


def test_a_regression_has_no_class_names(tmp_path):
    X = load_iris(as_frame=True).data
    y = X.pop("petal width (cm)")
    with pytest.raises(model.PublishError, match="class names are for classifiers"):
        model.open_workspace(tmp_path).publish(
            "S1", "reg", LinearRegression().fit(X, y), X, y, class_names={0: "zero"}
        )


def test_a_display_unit_converts_with_scale_and_offset():
    fahrenheit = display_unit({"unit": "°C", "also": "°F", "scale": 1.8, "offset": 32})
    assert fahrenheit.converted(100) == pytest.approx(212)
    assert display_unit("rpm").converted(5) is None
    assert display_unit(fahrenheit.as_dict()) == fahrenheit

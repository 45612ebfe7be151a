"""Older feedback.db files upgrade when opened."""

from sqlite_utils import Database

import feedback_store
from feedback_store.migrations import migrations


def test_a_schema_v1_database_is_upgraded_on_open_and_keeps_its_verdicts(tmp_path):
    with Database(tmp_path / "feedback.db") as db:
        migrations.apply(db, stop_before="m002_add_snapshots")
        db.execute(
            "INSERT INTO verdicts (sprint, prototype, row_id, created_by, created_at)"
            " VALUES ('S1', 'gbm', '4711', 'ana', '2025-01-01T00:00:00.000000+00:00')"
        )
        db.execute(
            "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict,"
            " corrected_label, comment, tags, key, recorded_at) VALUES (1, 1, 'ana', 'wrong',"
            " '1', 'from v1', '[\"old\"]', 'k1', '2025-01-01T00:00:00.000000+00:00')"
        )

    store = feedback_store.open(tmp_path)

    row = store.verdicts().iloc[0]
    assert (row["verdict_id"], row["comment"], row["tags"]) == (1, "from v1", ["old"])
    assert row["features"] is None
    assert store.record(sprint="S1", prototype="gbm", row_id="4711", reviewer="ana",
                        verdict="wrong", corrected_label="1", key="k1") == 1  # fmt: skip
    store.edit(1, reviewer="ana", comment="after upgrade")
    assert store.history(1)["comment"].tolist() == ["from v1", "after upgrade"]


def test_opening_twice_applies_each_migration_once(tmp_path):
    feedback_store.open(tmp_path)
    feedback_store.open(tmp_path)
    with Database(tmp_path / "feedback.db") as db:
        assert [m.name for m in migrations.applied(db)] == [
            "m001_create_verdicts", "m002_add_snapshots", "m003_add_verdict_source",
            "m004_create_disputes", "m005_add_prototype_version",
        ]  # fmt: skip
        assert migrations.pending(db) == []


def test_a_schema_v2_database_upgrades_its_verdicts_to_source_demo_and_gains_disputes(tmp_path):
    with Database(tmp_path / "feedback.db") as db:
        migrations.apply(db, stop_before="m003_add_verdict_source")
        db.execute(
            "INSERT INTO verdicts (sprint, prototype, row_id, created_by, created_at)"
            " VALUES ('S1', 'gbm', '4711', 'ana', '2025-01-01T00:00:00.000000+00:00')"
        )
        db.execute(
            "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict, comment,"
            " tags, recorded_at) VALUES (1, 1, 'ana', 'correct', 'from v2', '[]',"
            " '2025-01-01T00:00:00.000000+00:00')"
        )
        assert "source" not in db["verdicts"].columns_dict
        assert not db["disputes"].exists()

    store = feedback_store.open(tmp_path)

    assert store.verdicts()[["comment", "source"]].values.tolist() == [["from v2", "demo"]]
    store.dispute(sprint="S1", prototype="gbm", row_id="4711", reviewer="ana", feature="Type",
                  kind="too strong", shap_value=0.2)  # fmt: skip
    features = {"Type": "L"}
    store.record(sprint="S1", prototype="gbm", row_id=feedback_store.own_case_id(features),
                 reviewer="ana", verdict="correct", features=features, source="own")  # fmt: skip
    assert store.verdicts()["source"].tolist() == ["demo", "own"]
    assert len(store.disputes()) == 1

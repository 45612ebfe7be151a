"""What the Bake-off offers to split its prototypes by."""

from ui.bakeoff_tables import segment_features


def test_free_text_columns_are_not_offered_as_segments():
    """The Bake-off offered 'notes', a free-text column, then refused it once chosen ("'notes'
    is free text, a value of its own on nearly every row"): issue 12 says segments skip it."""
    meta = {
        "features": ["tenure", "notes", "plan", "comment"],
        "categorical": {"plan": ["basic", "pro"]},
        "text_columns": ["notes"],
    }
    assert segment_features(meta) == ["plan", "tenure", "comment"]
    # a column another prototype of the sprint reads as text is left out too
    assert segment_features(meta, {"comment"}) == ["plan", "tenure"]


def test_the_segment_table_heads_the_generic_rows_column_briefly():
    """'Rows in the demo set' as a column header took the room a fourth prototype's column
    needed at 1280x720."""
    import pandas as pd

    from ui.bakeoff_tables import segment_view
    from ui.review_card import DEMO_ROWS_NOUN

    table = pd.DataFrame(
        {"rows": [34, 196], "positives": [3, 15], "logreg": [0.643, 0.314]},
        index=pd.Index(["(missing)", "1 year"], name="contract"),
    )
    table.attrs = {"metric_key": "pr_auc", "feature": "contract"}
    view = segment_view(table, DEMO_ROWS_NOUN, "“churns”")
    assert list(view.columns) == ["contract", "Rows", "Of them “churns”", "logreg"]

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

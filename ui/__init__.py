"""Sprint Review's screen side: everything that talks to Streamlit or shapes data for a screen.

- ``session``: the session-state keys ``app.py`` sets and what pages read from them;
- ``cached``: the cached loaders every page shares, re-exported from a module by concern
  (``cached_prototype``, ``cached_review``, ``cached_workspace``, ``cached_bakeoff``,
  ``cached_feedback``);
- ``sections``: the pages' sections, drawn with Streamlit (a page calls them in order);
- the rest shape plain data for a screen without Streamlit, and are unit-tested alone:
  ``formatting`` (text), ``charts`` and ``vega`` (chart style, Vega-Lite helpers),
  ``explanations`` (SHAP waterfall, importance), ``sprint_summary`` (Overview),
  ``predictions_table`` (Sprint demo), ``bakeoff_tables`` (re-exporting
  ``bakeoff_comparison``, ``bakeoff_money``, ``bakeoff_words``, ``bakeoff_snapshot``) and
  ``bakeoff_charts`` (Bake-off), ``review_card`` (SME review), ``verdict_tables`` (Feedback),
  ``followup_table`` (earlier feedback followed up) and ``report`` (the bake-off's HTML
  report).

The pages in ``pages/`` call these; these call ``model`` and ``feedback_store``; never the
other way round (``tests/test_architecture.py``).
"""

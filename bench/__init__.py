"""Benchmarks of Sprint Review against baselines measured in the same run: ``python -m bench``.

Each section times one thing the app does and the plainest way to do the same work without
the app, and reports the ratio (see BENCHMARKS.md for the figures and the goals):

- ``publish``: ``Workspace.publish`` against the bare ``shap.TreeExplainer`` call;
- ``verdicts``: ``FeedbackStore.record`` against raw sqlite3 inserts, and sixteen writers;
- ``export``: ``FeedbackStore.export`` to Parquet against ``pandas.read_sql`` + ``to_parquet``;
- ``page``: the sprint demo page rerun against a bare ``st.dataframe`` script;
- ``memory``: the peak memory of publishing against the size of its arrays;
- ``dashboard``: time to the first explained prediction against explainerdashboard;
- ``browser``: every page opened in headless Chromium on a fresh server, the spinner shown
  against its warm rerun.
"""

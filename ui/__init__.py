"""Sprint Review's screen side: everything that talks to Streamlit or shapes data for a screen.

Session state and cached loaders (``cached``), page sections (``panels``), tables and chart
specs for display (``views``, ``bakeoff_display``, ``vega``) and the HTML report (``report``).
The pages in ``pages/`` call these; these call ``model`` and ``feedback_store``, never the
other way round.
"""

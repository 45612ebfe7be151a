"""The pages' sections: each module draws one part of a page with Streamlit.

A page in ``pages/`` is a short table of contents that calls these in order. What a section
shows is computed by ``model`` and shaped for the screen by the modules of ``ui``.
"""

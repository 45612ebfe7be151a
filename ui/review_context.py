"""The SME review card's context: the row's columns the model does not take (a ticket's
subject), shown so the reviewer can judge the case, under a heading that says the model never
read them. User text, escaped; a long text cut on the card with the whole of it one click away.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from ui import formatting

__all__ = ["CONTEXT_HEADING", "SHORT_TEXT_CHARS", "context_section", "shortened"]

CONTEXT_HEADING = "Context (not used by the model)"
#: Characters of a context value the card shows before "…" and the whole text's expander.
SHORT_TEXT_CHARS = 200


def shortened(value: object) -> tuple[str, bool]:
    """``value`` as the card's line shows it, and whether it was cut: a text longer than
    ``SHORT_TEXT_CHARS`` (or of several lines) is cut with "…"; a missing value reads
    "missing", as a feature's does."""
    text = value if isinstance(value, str) else formatting.format_value(value)
    line = " ".join(text.split())
    if len(line) <= SHORT_TEXT_CHARS and "\n" not in text.strip():
        return line, False
    return line[: SHORT_TEXT_CHARS - 1].rstrip() + "…", True


def context_section(context: Mapping[str, object]) -> None:
    """The context values under their own small heading; nothing without any."""
    if not context:
        return
    st.markdown(f"**{CONTEXT_HEADING}**")
    for name, value in context.items():
        line, cut = shortened(value)
        st.markdown(f"**{formatting.escape_markdown(name)}:** {formatting.escape_markdown(line)}")
        if cut:
            with st.expander(f"The whole {formatting.escape_markdown(name)}"):
                for paragraph in str(value).splitlines():
                    if paragraph.strip():
                        st.markdown(formatting.escape_markdown(paragraph))

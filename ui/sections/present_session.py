"""The Present page's frame: what its steps share (``PresentContext``), the step in the URL,
and the Back/Next buttons at the top, where the presenter's hand is, never below the fold."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from model.workspace import Prototype, Workspace
from ui import session
from ui.formatting import escape_markdown as escape

#: The story, in the order it is told; the URL's ``step`` counts from 1.
STEPS = [
    "Headline",
    "What changed since the last sprint",
    "What the SMEs flagged, and what is fixed now",
    "One case explained",
    "The bake-off's recommendation and decision",
]
STEP_PARAM = "step"
PROTOTYPE_PARAM = "prototype"
ROW_PARAM = "row"


@dataclass(frozen=True)
class PresentContext:
    """What the steps share: the sprint, its MVP (the prototype told about) and the step."""

    ws: Workspace
    path: str
    sprint: str
    proto: Prototype
    step: int


def current_step() -> int:
    """The step in the URL (1 when absent or not a step)."""
    text = st.query_params.get(STEP_PARAM, "1")
    return int(text) if text.isdigit() and 1 <= int(text) <= len(STEPS) else 1


def _go(step: int) -> None:
    st.query_params[STEP_PARAM] = str(step)


def start() -> PresentContext:
    """The step's heading with Back/Next; stops the page if the sprint has no prototype."""
    ws = session.workspace()
    sprint = session.sprint()
    prototypes = ws.prototypes(sprint)
    if not prototypes:
        st.title(f"{escape(sprint)}")
        st.info("This sprint has no published prototypes yet.")
        st.stop()
    # The prototype told about: the URL's, else the MVP, else the first one published.
    wanted = st.query_params.get(PROTOTYPE_PARAM)
    name = next(
        (p for p in (wanted, ws.mvp(sprint)) if p in prototypes),
        prototypes[0],
    )
    asked_step = st.query_params.get(STEP_PARAM)
    step = current_step()
    # A link's prototype or step that is not there is said, not silently replaced: a toast,
    # which takes no room on a slide that must fit the screen.
    if wanted is not None and wanted != name:
        st.toast(
            escape(f"The link asks for prototype {wanted!r}, which {sprint} does not have: "
                   f"showing {name}.")
        )  # fmt: skip
    if asked_step is not None and asked_step != str(step):
        st.toast(
            escape(f"The link asks for step {asked_step!r}; the story has steps 1 to "
                   f"{len(STEPS)}: showing step {step}.")
        )  # fmt: skip
    session.to_url(PROTOTYPE_PARAM, name)
    session.to_url(STEP_PARAM, str(step))

    # The story fills the screen: of Streamlit's 6rem above the first element, what the
    # toolbar (3.75rem) does not cover is the height of two of the waterfall's bars.
    st.html("<style>.stMainBlockContainer{padding-top:4rem;padding-bottom:1rem}</style>")
    heading, back, forward = st.columns([7, 1.5, 1.5], vertical_alignment="center")
    heading.markdown(
        f"### {escape(STEPS[step - 1])}\n:gray[{escape(sprint)} · step {step} of {len(STEPS)}]"
    )
    back.button(
        "Back", key="present_back", on_click=_go, args=(step - 1,), disabled=step == 1,
        icon=":material/arrow_back:", width="stretch",
    )  # fmt: skip
    forward.button(
        "Next", key="present_next", on_click=_go, args=(step + 1,),
        disabled=step == len(STEPS), icon=":material/arrow_forward:", width="stretch",
        type="primary",
    )  # fmt: skip
    return PresentContext(
        ws=ws, path=str(ws.path), sprint=sprint, proto=ws.prototype(sprint, name), step=step
    )

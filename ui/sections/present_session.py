"""The Present page's frame: what its steps share (``PresentContext``), the step in the URL,
and the Back/Next buttons at the top, where the presenter's hand is, never below the fold."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from model.workspace import Prototype, Workspace
from ui import session
from ui.formatting import escape_markdown as escape

#: The story, in the order it is told; the URL's ``step`` counts from 1.
STEPS = [
    "Headline",
    "What changed since the last sprint",
    "What the reviewers marked wrong, and what is fixed now",
    "One case explained",
    "The bake-off's recommendation and decision",
]
STEP_PARAM = "step"
PROTOTYPE_PARAM = "prototype"
ROW_PARAM = "row"


#: Session-state key of the step Back or Next asked for, read by the run it starts.
GOTO_KEY = "present_goto"


@dataclass(frozen=True)
class PresentContext:
    """What the steps share: the sprint, its MVP (the prototype told about) and the step;
    ``pinned`` collects what the screen shows by name (step, prototype, row) for the URL,
    written once when the screen is drawn (:func:`finish`)."""

    ws: Workspace
    path: str
    sprint: str
    proto: Prototype
    step: int
    pinned: dict[str, str] = field(default_factory=dict)


def current_step() -> int:
    """The step in the URL (1 when absent or not a step)."""
    text = st.query_params.get(STEP_PARAM, "1")
    return int(text) if text.isdigit() and 1 <= int(text) <= len(STEPS) else 1


def _go(step: int) -> None:
    # Not written to the URL here: the run it starts writes step and row together, since each
    # write of the query string is an entry in the browser's history (one press of its Back).
    st.session_state[GOTO_KEY] = step


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
    goto = st.session_state.pop(GOTO_KEY, None)
    asked_step = None if goto else st.query_params.get(STEP_PARAM)
    step = goto or current_step()
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
        ws=ws, path=str(ws.path), sprint=sprint, proto=ws.prototype(sprint, name), step=step,
        pinned={PROTOTYPE_PARAM: name, STEP_PARAM: str(step)},
    )  # fmt: skip


def finish(ctx: PresentContext) -> None:
    """Write what the screen showed (``ctx.pinned``) to the URL in one go, so that a link or a
    reload opens it again and one press of the browser's Back undoes one press of Next."""
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    wanted = current | {key: [value] for key, value in ctx.pinned.items()}
    if wanted != current:
        st.query_params.from_dict(wanted)

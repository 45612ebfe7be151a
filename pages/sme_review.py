"""SME review: a queue of cards, each a prediction in plain words, with a verdict to give.

The reviewer picks a queue (least confident first, where the prototypes disagree, a stratified
sample, what they have not reviewed yet, one row by id, or a list sent from the bake-off) and
goes through it card by card, back and forth. A verdict can be edited or withdrawn; a feature's
contribution can be disputed ("right answer, wrong reason"). A second tab lets them enter a
case of their own and judge the model on it.

Each section is a module of ``ui.sections``.
"""

import streamlit as st

from ui import session
from ui.sections import review_own_case, review_queue, review_session

TAB_KEY = "review_tab"
TABS = ["Review the queue", "Try your own case"]

session.require_app()
review, queue_column, detail_column = review_session.start()

queue_tab, own_tab = st.tabs(TABS, key=TAB_KEY, on_change="rerun")
# The queue is drawn whichever tab is open: its card's verdict form holds what the reviewer
# typed and has not submitted yet, which a form drawn afresh would lose. The own case's form
# (built from every demo row's range) is computed only when its tab is open; while it is
# closed, the values last explained are kept for the form to show again.
with queue_tab:
    review_queue.show(review, queue_column, detail_column)
if own_tab.open:
    with own_tab:
        review_own_case.show(review)
else:
    session.keep_widget_state(*(k for k in st.session_state if k.startswith("own_field_")))
# Every submit above was checked against the version drawn before it; now this one is on screen.
review_session.remember_shown(review)

"""The SME review page's opening: the title, who may do what, the prototype under review, and
what every section of the page shares (``ReviewContext``).

Every write carries an idempotency key kept in session state (one per card and action, renewed
after the write succeeds), so a rerun or a second click re-sends the same key and the store
records the change once.

Every write also carries the prototype version (and content id) the card was drawn from on the
run before the click (``shown``): when the prototype was re-published in between, the write
is refused in one line and nothing is stored, while the form keeps what was typed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import streamlit as st

from feedback_store import FeedbackStore
from model import access, review_versions
from model.cutoff_decisions import Cutoff, decide
from model.metrics import BINARY
from model.workspace import Prototype, Workspace
from ui import cached, case_cutoff, formatting, review_card, session

PROTOTYPE_KEY = "review_prototype"
#: The query parameters of the prototype and the card's row, so a link opens that card.
PROTOTYPE_PARAM = "prototype"
ROW_PARAM = "row"
KEYS_KEY = "review_keys"
#: Per sprint and prototype, ``(version, content id)`` of what the page last drew.
SHOWN_KEY = "review_shown"
#: The message shown above the next card once a write succeeded.
FLASH_KEY = "review_flash"
ACTIONS = ("verdict", "withdraw", "dispute")


@dataclass(frozen=True)
class ReviewContext:
    """What the SME review page's sections share: the reviewer, their rights, the prototype."""

    ws: Workspace
    path: str
    sprint: str
    reviewer: str
    role: str | None
    may_record: bool
    may_dispute: bool
    prototypes: list[str]
    name: str
    proto: Prototype
    #: ``model.review_versions.shown_version(proto)``: what this run draws.
    version: int
    content_id: str | None
    meta: dict
    task: str
    classes: list[str]
    #: ``(path, sprint, prototype, content id)``: the key of the cached loaders.
    cache_key: tuple
    demo_rows: int
    store: FeedbackStore
    outcome: str | None
    noun: str
    #: A binary prototype's cheapest cut-off, which its cards and queues decide at
    #: (``case_cutoff.cheapest_cutoff``), looked up once a run; None: its own class.
    cutoff: Cutoff | None = None


def start() -> tuple[ReviewContext, object, object]:
    """The title and the prototype's choice; stops the page when nobody is named or the sprint
    has no prototype. Returns the context and the two columns beside the prototype's choice,
    where the queue's choices go (to keep the card high up)."""
    ws = session.workspace()
    path = str(ws.path)
    sprint = session.sprint()
    reviewer = session.reviewer()
    role = session.role()
    may_record = access.can(role, "record_verdict")

    st.title("SME review")
    if not reviewer:
        st.info("Enter your name under “Your name” in the sidebar to start reviewing.")
        st.stop()
    if not may_record:
        st.info(
            formatting.escape_markdown(access.refusal(role, "record_verdict")),
            icon=":material/lock:",
        )
    prototypes = ws.prototypes(sprint)
    if not prototypes:
        st.info("This sprint has no published prototypes to review yet.")
        st.stop()

    mvp = ws.mvp(sprint)
    # The prototype in the URL (a link or a reload), else the one chosen, else the MVP.
    wanted = st.query_params.get(PROTOTYPE_PARAM)
    if wanted in prototypes:
        st.session_state[PROTOTYPE_KEY] = wanted
    elif st.session_state.get(PROTOTYPE_KEY) not in prototypes:
        st.session_state[PROTOTYPE_KEY] = mvp if mvp in prototypes else prototypes[0]
    prototype_column, queue_column, detail_column = st.columns(
        [4, 4, 2], vertical_alignment="bottom"
    )
    name = prototype_column.selectbox(
        "Prototype",
        prototypes,
        key=PROTOTYPE_KEY,
        format_func=lambda p: f"{p} (MVP)" if p == mvp else p,
        on_change=lambda: session.to_url(PROTOTYPE_PARAM, st.session_state.get(PROTOTYPE_KEY)),
    )
    session.to_url(PROTOTYPE_PARAM, name)
    proto = ws.prototype(sprint, name)
    version, content_id = review_versions.shown_version(proto)
    meta = proto.meta
    # A rerun reads one row, its cached explanation and specs: never every demo row.
    cache_key = (path, sprint, name, proto.content_id)
    outcome, noun = review_card.reason_wording(meta)
    context = ReviewContext(
        ws=ws,
        path=path,
        sprint=sprint,
        reviewer=reviewer,
        role=role,
        may_record=may_record,
        may_dispute=access.can(role, "dispute"),
        prototypes=prototypes,
        name=name,
        proto=proto,
        version=version,
        content_id=content_id,
        meta=meta,
        task=proto.task,
        classes=[str(c) for c in meta.get("classes") or []],
        cache_key=cache_key,
        demo_rows=cached.predictions_outline(*cache_key)["rows"],
        store=cached.store(path),
        outcome=outcome,
        noun=noun,
        cutoff=case_cutoff.cheapest_cutoff(ws, proto) if proto.task == BINARY else None,
    )
    return context, queue_column, detail_column


def _card(ctx: ReviewContext, row_id: str) -> str:
    return json.dumps([ctx.sprint, ctx.name, row_id, ctx.reviewer])


def card_keys(ctx: ReviewContext, row_id: str) -> dict[str, str]:
    """This reviewer's keys for the next write of each action on one card."""
    keys = st.session_state.setdefault(KEYS_KEY, {})
    identity = _card(ctx, row_id)
    if identity not in keys:
        keys[identity] = {action: uuid.uuid4().hex for action in ACTIONS}
    return keys[identity]


def renew_keys(ctx: ReviewContext, row_id: str, *actions: str) -> None:
    """New keys after a write succeeded, so the next change is a new write."""
    keys = card_keys(ctx, row_id)
    for action in actions:
        keys[action] = uuid.uuid4().hex


def shown(ctx: ReviewContext) -> dict:
    """``sprint``, ``prototype``, ``version`` and ``content_id`` of what the card on screen
    was drawn from: the arguments ``model.review_versions`` checks a write against."""
    drawn = st.session_state.get(SHOWN_KEY, {}).get(json.dumps([ctx.sprint, ctx.name]))
    version, content_id = drawn or (ctx.version, ctx.content_id)
    return {"sprint": ctx.sprint, "prototype": ctx.name, "version": version,
            "content_id": content_id}  # fmt: skip


def remember_shown(ctx: ReviewContext) -> None:
    """Note the version this run drew, once its forms' submits were handled: the next click
    is checked against it."""
    drawn = st.session_state.setdefault(SHOWN_KEY, {})
    drawn[json.dumps([ctx.sprint, ctx.name])] = (ctx.version, ctx.content_id)


def on_this_version(ctx: ReviewContext, thread: dict | None) -> bool:
    """Whether ``thread``'s current verdict was given on the prototype version shown now."""
    return thread is not None and review_versions.on_version(ctx.proto, thread)


def snapshot(
    ctx: ReviewContext,
    predicted,
    confidence: float | None,
    probabilities: dict | None,
    cutoff: Cutoff | None = None,
) -> dict:
    """The prediction the reviewer saw, stored with the verdict. With ``cutoff`` (the card
    said "Flagged" or "Not flagged" at it) the ``label`` is the class decided there and
    ``confidence`` its chance, so a "correct" verdict resolves to what the card said; the
    ``threshold`` and the model's own class (``model_label``) are kept beside them."""
    shown = {
        "label": str(predicted),
        "confidence": confidence,
        "probabilities": probabilities or {},
        "model": ctx.meta["estimator"],
    }
    if cutoff is None or cutoff.positive not in (probabilities or {}):
        return shown
    chance = float(probabilities[cutoff.positive])
    decided = decide(chance, cutoff)
    return {
        **shown,
        "label": decided,
        "confidence": chance if decided == cutoff.positive else 1 - chance,
        "threshold": cutoff.threshold,
        "model_label": str(predicted),
    }


def my_verdicts(ctx: ReviewContext) -> dict[str, dict]:
    """This reviewer's verdicts on this prototype by row id, withdrawn ones included."""
    return cached.reviewer_verdicts(
        ctx.path, cached.verdicts_stamp(ctx.store), ctx.sprint, ctx.name, ctx.reviewer
    )


def record_dispute(ctx: ReviewContext, **dispute) -> int:
    """``model.review_versions.record_dispute`` for the version the card was drawn from
    (``PrototypeChanged`` after a re-publish, nothing stored); ``dispute`` holds row_id,
    reviewer, feature, kind, shap_value, comment and key."""
    return review_versions.record_dispute(ctx.store, ctx.ws, **shown(ctx), **dispute)

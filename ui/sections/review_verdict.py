"""The verdict on a card: the form, saving or editing it, withdrawing it, its history."""

from __future__ import annotations

import streamlit as st

from feedback_store import VERDICTS
from feedback_store.store import COMMENT_MAX
from feedback_store.validation import LabelIsPrediction
from model import review_versions
from ui import cached, formatting, review_card, session, verdict_tables
from ui.sections import review_session
from ui.sections.review_session import ReviewContext

VERDICT_LABELS = {"correct": "Correct", "wrong": "Wrong", "unsure": "Unsure"}
#: The verdict and dispute forms' fields (before their card's key): what ``keep_typed`` keeps.
TYPED_FIELDS = tuple(
    f"{prefix}_{field}_"
    for prefix in ("review", "own")
    for field in ("verdict", "label", "comment", "tags")
) + tuple(f"review_dispute_{field}_" for field in ("feature", "kind", "comment"))
WRONG_NEEDS_LABEL = review_card.wrong_needs_label_text(None)


def verdict_form(
    ctx: ReviewContext, prefix: str, key: str, current: dict | None, tag_options: list[str]
):
    """The verdict form, filled with ``current`` when the reviewer already gave one."""
    with st.form(f"{prefix}_form_{key}", border=False):
        verdict = st.segmented_control(
            "Is this prediction right?",
            VERDICTS,
            default=current["verdict"] if current else None,
            format_func=VERDICT_LABELS.get,
            key=f"{prefix}_verdict_{key}",
            width="stretch",
        )
        given = current.get("corrected_label") if current else None
        if ctx.classes:
            label = st.selectbox(
                "Right label (required when wrong)",
                ctx.classes,
                index=ctx.classes.index(given) if given in ctx.classes else None,
                placeholder="Choose the right label",
                # The class's name where the prototype has one; the code is what is stored.
                format_func=lambda label: review_card.class_label(label, ctx.proto.class_names),
                key=f"{prefix}_label_{key}",
            )
        else:
            try:
                value = float(given) if given else None
            except ValueError:
                value = None
            # No limits: Streamlit would put the default back silently. ``save_verdict``
            # refuses a value far outside the demo set's with a message instead.
            label = st.number_input(
                review_card.right_value_field(ctx.meta), value=value, key=f"{prefix}_label_{key}"
            )
        comment = st.text_area(
            "Why?",
            value=current["comment"] if current else "",
            key=f"{prefix}_comment_{key}",
            placeholder="What you see in the readings",
            height=68,
            # No max_chars: Streamlit would cut a longer text silently. The store refuses it
            # with a message instead, and the text stays in the form to be shortened.
            help=f"Up to {COMMENT_MAX:,} characters.",
        )
        # One option per tag up to letter case: with "roulement" and "Roulement" both offered,
        # typing "roulement" and Enter would choose both.
        given = review_versions.known_tags(current["tags"], tag_options) if current else []
        tags = st.multiselect(
            "Tags",
            sorted(
                {*review_versions.tag_spellings(tag_options).values(), *given}, key=str.casefold
            ),
            default=given,
            key=f"{prefix}_tags_{key}",
            accept_new_options=True,
            placeholder="Choose or type a tag",
        )
        submitted = st.form_submit_button(
            "Save changes" if current else "Submit verdict",
            type="primary",
            width="stretch",
            # One key whatever the label: a click on "Save changes" that reaches a rerun where
            # the card's verdict no longer counts (re-published meanwhile) still arrives.
            key=f"FormSubmitter:{prefix}_form_{key}-Submit verdict",
        )
    return submitted, verdict, label, comment, tags


def unusual_key(prefix: str, key: str) -> str:
    """Where a card keeps the right value it last asked the reviewer to confirm, with why:
    ``(value as text, message)``."""
    return f"{prefix}_unusual_{key}"


def _confirmed(prefix: str, key: str, label_text: str | None) -> bool:
    """Whether the reviewer ticked "This value is right" for the value now given: a tick
    given for another value confirms nothing."""
    asked = st.session_state.get(unusual_key(prefix, key))
    return (
        label_text is not None
        and asked is not None
        and asked[0] == label_text
        and bool(st.session_state.get(f"{prefix}_confirm_{key}"))
    )


def confirm_unusual(prefix: str, key: str, said_now: bool) -> None:
    """Under the form of a card whose right value asked for a second look: why (unless the
    error above just said it) and the "This value is right" tick the next submit reads. Drawn
    on every run until the verdict is saved, so the tick is kept between runs."""
    asked = st.session_state.get(unusual_key(prefix, key))
    if asked is None:
        return
    if not said_now:
        st.warning(formatting.escape_markdown(asked[1]))
    st.checkbox("This value is right", key=f"{prefix}_confirm_{key}")


def keep_typed() -> None:
    """Keep what the reviewer typed in the verdict and dispute forms through a run that cannot
    draw them (the workspace gone or unreadable): they come back filled once it is readable."""
    session.keep_widget_state(*(k for k in st.session_state if k.startswith(TYPED_FIELDS)))


def save_verdict(
    ctx: ReviewContext,
    row_id: str,
    current: dict | None,
    verdict: str | None,
    label,
    comment: str,
    tags: list[str],
    *,
    source: str,
    features: dict,
    prediction: dict,
    prefix: str = "review",
) -> str | None:
    """Record or edit the reviewer's verdict; return an error message, or None once saved.

    Both go through ``model.review_versions`` with the prototype version the card was drawn
    from: after a re-publish they are refused and nothing is stored. A regression's right
    value that looks like a slip (``UnusualValue``) is stored once the reviewer ticks "This
    value is right" for it."""
    if verdict is None:
        return "Choose Correct, Wrong or Unsure first."
    if verdict == "wrong" and (label is None or label == ""):
        return review_card.wrong_needs_label_text(ctx.meta)
    label_text = None if verdict == "correct" or label is None or label == "" else str(label)
    key = review_session.card_keys(ctx, row_id)["verdict"]
    confirmed = _confirmed(prefix, key, label_text)
    try:
        if current is None:
            review_versions.record_verdict(
                ctx.store,
                ctx.ws,
                **review_session.shown(ctx),
                row_id=row_id,
                reviewer=ctx.reviewer,
                verdict=verdict,
                corrected_label=label_text,
                comment=comment,
                tags=tags,
                key=key,
                features=features,
                prediction=prediction,
                task=ctx.task,
                source=source,
                value_confirmed=confirmed,
            )
        elif (verdict, label_text, comment.strip()) != (
            current["verdict"],
            current["corrected_label"] or None,
            current["comment"],
        ) or review_versions.known_tags(tags, current["tags"]) != list(current["tags"]):
            review_versions.edit_verdict(
                ctx.store,
                ctx.ws,
                int(current["verdict_id"]),
                **review_session.shown(ctx),
                reviewer=ctx.reviewer,
                verdict=verdict,
                corrected_label=label_text or "",
                comment=comment,
                tags=tags,
                key=key,
                value_confirmed=confirmed,
            )
    except review_versions.UnusualValue as error:
        problem = review_card.unusual_value_text(error.reason)
        st.session_state[unusual_key(prefix, key)] = (label_text, problem)
        return problem
    except LabelIsPrediction as error:  # the store's message names the class by its code
        return review_card.label_is_prediction_text(error.label, ctx.meta)
    except (ValueError, OSError) as error:
        # Refused input, a re-published prototype (PrototypeChanged), a full disk, a read-only
        # or vanished workspace: the form keeps the text (its keys are not renewed).
        return formatting.one_line(error)
    st.session_state.pop(unusual_key(prefix, key), None)
    review_session.renew_keys(ctx, row_id, "verdict", "withdraw")
    return None


def verdict_panel(
    ctx: ReviewContext,
    prefix: str,
    row_id: str,
    thread: dict | None,
    *,
    source: str,
    features: dict,
    prediction: dict,
    flash_key: str,
    what: str,
) -> bool:
    """The verdict form with the reviewer's current verdict, withdraw and history.

    Returns True once a verdict was saved (the caller moves on and reruns)."""
    # A verdict given on another version of the prototype is not this card's verdict: the
    # form starts empty and the earlier one is shown as such ("on version 2: wrong").
    here = review_session.on_this_version(ctx, thread)
    current = thread if here and thread["verdict"] != "withdrawn" else None
    keys = review_session.card_keys(ctx, row_id)
    if current:
        st.info(formatting.escape_markdown(review_card.verdict_summary(current, ctx.meta)))
    elif here:
        st.caption("You withdrew your verdict on this one. Submit a new one to restore it.")
    if thread:
        earlier = review_versions.earlier_verdicts(ctx.store, ctx.proto, row_id, ctx.reviewer)
        if earlier:
            said = review_card.earlier_text(earlier, ctx.meta, judged_here=here)
            st.caption(formatting.escape_markdown(said))
    if not ctx.may_record:
        return False
    # What the form is drawn over: a submit over another verdict, recorded meanwhile under the
    # same name (a second window), would silently replace it.
    seen_key = f"{prefix}_seen_{keys['verdict']}"
    seen = st.session_state.get(seen_key, _NOT_DRAWN)
    now = _stamp(thread)  # the reviewer's verdict on any version: a re-publish is not this
    st.session_state[seen_key] = now
    tag_options = cached.verdict_tags(ctx.path, cached.verdicts_stamp(ctx.store))
    submitted, verdict, label, comment, tags = verdict_form(
        ctx, prefix, keys["verdict"], current, tag_options
    )
    problem = None
    if submitted and seen is not _NOT_DRAWN and seen != now:
        st.error(formatting.escape_markdown(_changed_meanwhile(thread, ctx.meta)))
    elif submitted:
        problem = save_verdict(ctx,
            row_id, current, verdict, label, comment, tags,
            source=source, features=features, prediction=prediction, prefix=prefix,
        )  # fmt: skip
        if problem:
            st.error(formatting.escape_markdown(problem))
        else:
            st.session_state[flash_key] = (
                f"Saved “{verdict}” for {formatting.escape_markdown(what)}."
            )
            return True
    confirm_unusual(prefix, keys["verdict"], said_now=problem is not None)
    if current and st.button(
        "Withdraw my verdict",
        key=f"{prefix}_withdraw_{keys['withdraw']}",
        icon=":material/undo:",
        width="stretch",
    ):
        try:
            ctx.store.withdraw(
                int(current["verdict_id"]), reviewer=ctx.reviewer, key=keys["withdraw"]
            )
        except (ValueError, OSError) as error:
            st.error(formatting.escape_markdown(formatting.one_line(error)))
        else:
            review_session.renew_keys(ctx, row_id, "verdict", "withdraw")
            st.session_state[flash_key] = (
                f"Withdrew your verdict on {formatting.escape_markdown(what)}. "
                "It stays in the history."
            )
            st.rerun()
    if thread:
        with st.expander("History of your verdict"):
            history = ctx.store.history(int(thread["verdict_id"]))
            names = {(ctx.sprint, ctx.name): dict(ctx.proto.class_names)}
            st.dataframe(
                verdict_tables.history_table(history, names), hide_index=True, width="stretch"
            )
    return False


_NOT_DRAWN = object()


def _stamp(thread: dict | None) -> tuple[int, int] | None:
    """Which version of which verdict a form is drawn over (None: no verdict)."""
    if thread is None:
        return None
    return int(thread["verdict_id"]), int(thread["version"])


def _changed_meanwhile(current: dict | None, meta) -> str:
    if current is None or current["verdict"] == "withdrawn":
        return (
            "Your verdict on this case was withdrawn since this card was shown (in another "
            "window?); nothing was saved — your text is kept: submit again to record it"
        )
    now = review_card.verdict_summary(current, meta).removeprefix("Your verdict: ")
    return (
        "Your verdict on this case changed since this card was shown (in another window?): it "
        f"is now {now}. Nothing was saved — your text is kept: submit again to replace it"
    )

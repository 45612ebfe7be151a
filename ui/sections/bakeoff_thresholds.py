"""The bake-off's decision thresholds: each binary prototype starts at the threshold that makes
its errors cheapest, and the user may move it with a slider (in percent of the positive class's
probability) to see its counts and the cost of its errors follow."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from model.recommend import PrototypeCost

#: Percent, not probability: "flag it when the chance of failure is at least 6.5%".
PERCENT = 100
STEP = 0.5


def key(sprint: str, name: str) -> str:
    """The session key of prototype ``name``'s threshold slider."""
    return f"bake_off_threshold::{sprint}::{name}"


def _cheapest_key(sprint: str, name: str) -> str:
    return key(sprint, name) + "::cheapest"


def cheapest(costs: Iterable[PrototypeCost]) -> dict[str, float]:
    """Each prototype's cheapest threshold (probability), for those that have one."""
    return {
        c.name: c.errors.threshold
        for c in costs
        if c.errors is not None and c.errors.threshold is not None
    }


def moved(sprint: str, costs: Iterable[PrototypeCost]) -> tuple:
    """``(name, threshold)`` of each prototype whose slider the user moved off its cheapest
    threshold (priced at ``costs``'s, the cheapest); a slider starts, and starts again when the
    cheapest threshold changes (new assumptions), at the cheapest."""
    out = []
    for name, best in cheapest(costs).items():
        slider, base = key(sprint, name), _cheapest_key(sprint, name)
        if st.session_state.get(base) != best or slider not in st.session_state:
            st.session_state[slider] = best * PERCENT
            st.session_state[base] = best
        value = float(st.session_state[slider])
        if abs(value - best * PERCENT) > 1e-9:
            out.append((name, value / PERCENT))
    return tuple(out)


def reset(sprint: str, name: str) -> None:
    """Button callback: back to the cheapest threshold."""
    st.session_state[key(sprint, name)] = st.session_state[_cheapest_key(sprint, name)] * PERCENT


def slider(sprint: str, name: str, label: str) -> None:
    """Prototype ``name``'s threshold slider and the button that puts it back at the cheapest;
    ``moved`` must have run first in this run (it sets where the slider starts)."""
    if _cheapest_key(sprint, name) not in st.session_state:
        return
    best = st.session_state[_cheapest_key(sprint, name)] * PERCENT
    st.slider(
        label,
        min_value=0.0,
        max_value=100.0,
        step=STEP,
        format="%.1f%%",
        key=key(sprint, name),
        help=(
            f"Starts at {best:.1f}%, where the errors cost least under the cost assumptions. "
            "Lower: more caught, more false alarms; higher: fewer false alarms, more missed."
        ),
    )
    if abs(float(st.session_state[key(sprint, name)]) - best) > 1e-9:
        st.button(
            f"Back to the cheapest ({best:.1f}%)",
            key=key(sprint, name) + "::reset",
            on_click=reset,
            args=(sprint, name),
            type="tertiary",
        )

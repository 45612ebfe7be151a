"""Recording which functions a page run calls: the laziness tests' shared helper."""

from __future__ import annotations

from collections.abc import Iterable


def record_calls(monkeypatch, targets: Iterable[tuple[object, str]]) -> list[str]:
    """Wrap each ``(owner, name)`` function so that calling it appends ``name`` to the list
    returned, in call order, then calls the original."""
    called: list[str] = []
    for owner, name in targets:
        original = getattr(owner, name)

        def recorded(*args, _original=original, _name=name, **kwargs):
            called.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(owner, name, recorded)
    return called

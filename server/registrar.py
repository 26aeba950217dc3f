"""Tables of functions by key (a workflow's effects, preconditions, batch readers): the decorator that fills one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

Key = TypeVar("Key")
Fn = TypeVar("Fn")


def registrar(table: dict[Key, Fn]) -> Callable[[Key], Callable[[Fn], Fn]]:
    """``@register(key)`` over a function puts it in ``table`` under ``key`` and leaves it as it is."""

    def under(key: Key) -> Callable[[Fn], Fn]:
        def register(fn: Fn) -> Fn:
            table[key] = fn
            return fn

        return register

    return under

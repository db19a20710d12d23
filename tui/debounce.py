"""Debounced steps: named one-shot timers where asking again replaces the pending one.

A screen asks `debounce("counts", 0.5, self._count_views)` on every change; the step runs once,
`delay` after the last ask. `pending` names the steps asked for that have not finished running,
so whoever needs to know (the tests, waiting for the screen to settle) can see that something is
still to come instead of guessing how long to sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import isawaitable

from textual.message_pump import MessagePump
from textual.timer import Timer


class Debouncer:
    def __init__(self, owner: MessagePump) -> None:
        self._owner = owner
        self._timers: dict[str, Timer] = {}

    def __call__(self, name: str, delay: float, callback: Callable[[], object]) -> None:
        """Run `callback` once, `delay` seconds from now, unless asked again before then."""
        self.cancel(name)
        timer: Timer

        async def due() -> None:
            try:
                result = callback()
                if isawaitable(result):
                    await result
            finally:
                if self._timers.get(name) is timer:
                    del self._timers[name]

        timer = self._owner.set_timer(delay, due, name=f"debounced {name}")
        self._timers[name] = timer

    def cancel(self, *names: str) -> None:
        """Drop the named steps (all of them when none is named) without running them."""
        for name in names or tuple(self._timers):
            timer = self._timers.pop(name, None)
            if timer is not None:
                timer.stop()

    @property
    def pending(self) -> list[str]:
        """The steps asked for that have not finished running, by name."""
        return sorted(self._timers)

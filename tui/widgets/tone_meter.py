"""The composer's live tone meter: polarity and conflict risk of the draft as bars."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.widgets import Static

BAR = 10


class ToneMeter(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tone-meter--label",
        "tone-meter--positive",
        "tone-meter--negative",
        "tone-meter--neutral",
        "tone-meter--conflict",
        "tone-meter--empty",
        "tone-meter--muted",
    }

    def show_waiting(self, note: str) -> None:
        text = Text(end="")
        text.append("Tone ", self._style("label"))
        text.append(note, self._style("muted"))
        self.update(text)

    def show_verdict(self, verdict: Any) -> None:
        polarity = float(verdict.polarity)
        risk = float(verdict.risk)
        if polarity >= 0.1:
            mood, mood_style = "positive", self._style("positive")
        elif polarity <= -0.1:
            mood, mood_style = "negative", self._style("negative")
        else:
            mood, mood_style = "neutral", self._style("neutral")
        text = Text(end="")
        text.append("Tone ", self._style("label"))
        filled = round((polarity + 1) / 2 * BAR)
        text.append("█" * filled, mood_style)
        text.append("░" * (BAR - filled), self._style("empty"))
        text.append(f" {polarity:+.2f} {mood}", mood_style)
        text.append("   Risk ", self._style("label"))
        risk_style = self._style("conflict") if verdict.conflict else self._style("neutral")
        filled = round(min(1.0, max(0.0, risk)) * BAR)
        text.append("█" * filled, risk_style)
        text.append("░" * (BAR - filled), self._style("empty"))
        text.append(f" {risk:.2f}", risk_style)
        if verdict.conflict:
            text.append("  likely conflict", self._style("conflict"))
        self.update(text)

    def _style(self, name: str) -> Any:
        return self.get_component_rich_style(f"tone-meter--{name}", partial=True)

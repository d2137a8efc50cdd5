"""The filter state: one value that every view (map, timeline, figures, export) follows.

It is a frozen dataclass with an inclusive end date, clamped to the data's
date range, and a plain-dict form for ``dcc.Store`` and links. Parsing
never trusts its input: anything malformed falls back to the default.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

LAYERS = ("incidents", "displacement", "context")
DEFAULT_LAYERS = frozenset(LAYERS)

#: Upper bound on list sizes accepted from a client (a filter never needs more).
MAX_CHOICES = 200


@dataclass(frozen=True)
class FilterState:
    """What the analyst selected.

    ``end`` is inclusive. ``event_types`` ``None`` means every type (no
    filter); a tuple keeps only those types (an empty tuple keeps none).
    ``layers`` names the map layers that are switched on (see :data:`LAYERS`).
    """

    start: date
    end: date
    event_types: tuple[str, ...] | None = None
    layers: frozenset[str] = field(default_factory=lambda: DEFAULT_LAYERS)

    @property
    def is_empty_range(self) -> bool:
        """True when the start is after the end: nothing can match."""
        return self.start > self.end

    def clamped(self, bounds: tuple[date, date]) -> "FilterState":
        """The same state with both dates inside ``bounds`` (inclusive)."""
        low, high = bounds
        return replace(self, start=min(max(self.start, low), high), end=min(max(self.end, low), high))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO dates, sorted lists) for ``dcc.Store`` and URLs."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "event_types": None if self.event_types is None else list(self.event_types),
            "layers": sorted(self.layers),
        }

    @classmethod
    def default(cls, bounds: tuple[date, date]) -> "FilterState":
        """The whole date range, every type, every layer."""
        return cls(start=bounds[0], end=bounds[1])

    @classmethod
    def from_dict(cls, data: Any, bounds: tuple[date, date]) -> "FilterState":
        """Parse a client-supplied dict; malformed parts take their default value.

        The result is always clamped to ``bounds``.
        """
        base = cls.default(bounds)
        if not isinstance(data, dict):
            return base
        start = parse_date(data.get("start")) or base.start
        end = parse_date(data.get("end")) or base.end
        types = _strings(data.get("event_types"))
        layers = _strings(data.get("layers"))
        return cls(
            start=start,
            end=end,
            event_types=tuple(sorted(set(types))) if types is not None else None,
            layers=frozenset(layers) & DEFAULT_LAYERS if layers is not None else DEFAULT_LAYERS,
        ).clamped(bounds)


def parse_date(value: Any) -> date | None:
    """A date from an ISO string (a time part, as Dash's date pickers may send, is ignored)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not 10 <= len(value) <= 32:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, (list, tuple)) or len(value) > MAX_CHOICES:
        return None
    return [v for v in value if isinstance(v, str) and len(v) <= 200]

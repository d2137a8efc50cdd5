"""The filter state: one value that every view (map, timeline, figures, table, export) follows.

It is a frozen dataclass with an inclusive end date, clamped to the data's
date range, and a plain-dict form for ``dcc.Store`` and links. Parsing
never trusts its input: anything malformed falls back to the default, and
every list or text is bounded in size.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

#: Map layers; ``boundaries`` and ``choropleth`` need a boundaries file; ``density`` draws the
#: incidents as a density surface, ``territory`` the territory-change events, ``flows`` the
#: origin-to-destination displacement. Layers change what the map draws, never what is counted.
LAYERS = ("incidents", "displacement", "context", "boundaries", "choropleth", "density", "territory", "flows")
DEFAULT_LAYERS = frozenset({"incidents", "displacement", "context"})

#: Geo-precision codes (see :data:`geodata.model.schema.GEO_PRECISION`).
PRECISIONS = (1, 2, 3)

#: Upper bound on list sizes accepted from a client (a filter never needs more).
MAX_CHOICES = 200
#: Upper bound on the length of one name or of the notes search text.
MAX_TEXT = 200
#: Upper bound on a fatality bound (larger numbers are not a plausible filter).
MAX_FATALITIES = 10_000_000


@dataclass(frozen=True)
class FilterState:
    """What the analyst selected.

    ``end`` is inclusive. ``event_types`` ``None`` means every type (no
    filter); a tuple keeps only those types (an empty tuple keeps none).
    ``sub_event_types``, ``actors`` and ``admin_codes`` left empty filter
    nothing; otherwise an incident is kept when its sub-type is listed, when
    either of its actors is listed, or when any of its admin p-codes (level
    1, 2 or 3) is listed. ``fatalities_min``/``fatalities_max`` bound the
    reported fatalities (inclusive); when either is set, incidents without a
    figure are left out. ``precision`` ``None`` keeps every geo-precision,
    a tuple only those codes. ``text`` keeps incidents whose notes contain it
    (case-insensitive; empty = no filter). ``layers`` names the map layers
    that are switched on (see :data:`LAYERS`); ``show_approximate`` false
    leaves the incidents coded only to an area or admin centroid
    (geo-precision 3) off the map, like a layer (they are still counted).
    """

    start: date
    end: date
    event_types: tuple[str, ...] | None = None
    layers: frozenset[str] = field(default_factory=lambda: DEFAULT_LAYERS)
    sub_event_types: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    admin_codes: tuple[str, ...] = ()
    fatalities_min: int | None = None
    fatalities_max: int | None = None
    precision: tuple[int, ...] | None = None
    text: str = ""
    show_approximate: bool = True

    @property
    def is_empty_range(self) -> bool:
        """True when the start is after the end: nothing can match."""
        return self.start > self.end

    @property
    def has_fatality_bounds(self) -> bool:
        return self.fatalities_min is not None or self.fatalities_max is not None

    def clamped(self, bounds: tuple[date, date]) -> FilterState:
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
            "sub_event_types": list(self.sub_event_types),
            "actors": list(self.actors),
            "admin_codes": list(self.admin_codes),
            "fatalities_min": self.fatalities_min,
            "fatalities_max": self.fatalities_max,
            "precision": None if self.precision is None else list(self.precision),
            "text": self.text,
            "show_approximate": self.show_approximate,
        }

    @classmethod
    def default(cls, bounds: tuple[date, date]) -> FilterState:
        """The whole date range, every type, the default layers, no other filter."""
        return cls(start=bounds[0], end=bounds[1])

    @classmethod
    def from_dict(cls, data: Any, bounds: tuple[date, date]) -> FilterState:
        """Parse a client-supplied dict; malformed parts take their default value.

        The result is always clamped to ``bounds``; it never raises.
        """
        base = cls.default(bounds)
        if not isinstance(data, dict):
            return base
        start = parse_date(data.get("start")) or base.start
        end = parse_date(data.get("end")) or base.end
        types = _strings(data.get("event_types"))
        layers = _strings(data.get("layers"))
        low = parse_count(data.get("fatalities_min"))
        high = parse_count(data.get("fatalities_max"))
        if low is not None and high is not None and low > high:
            low, high = high, low
        return cls(
            start=start,
            end=end,
            event_types=_sorted_unique(types) if types is not None else None,
            layers=frozenset(layers) & frozenset(LAYERS) if layers is not None else DEFAULT_LAYERS,
            sub_event_types=_sorted_unique(_strings(data.get("sub_event_types")) or []),
            actors=_sorted_unique(_strings(data.get("actors")) or []),
            admin_codes=_sorted_unique(_strings(data.get("admin_codes")) or []),
            fatalities_min=low,
            fatalities_max=high,
            precision=parse_precision(data.get("precision")),
            text=parse_text(data.get("text")),
            show_approximate=data.get("show_approximate") is not False,
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


def parse_count(value: Any) -> int | None:
    """A non-negative whole number (int, integral float or digit string), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or len(text) > 9:
            return None
        value = int(text)
    if isinstance(value, float):
        if value != value or not value.is_integer():
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= MAX_FATALITIES:
        return None
    return value


def parse_precision(value: Any) -> tuple[int, ...] | None:
    """Geo-precision codes to keep; ``None`` (every code) for anything malformed or complete."""
    if not isinstance(value, (list, tuple)) or len(value) > len(PRECISIONS) * 4:
        return None
    codes = set()
    for item in value:
        code = parse_count(item)
        if code in PRECISIONS:
            codes.add(code)
        elif not (isinstance(item, str) and item == ""):
            return None
    if codes == set(PRECISIONS):
        return None
    return tuple(sorted(codes))


def parse_text(value: Any) -> str:
    """Search text: a string, stripped, at most :data:`MAX_TEXT` characters; else ''."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:MAX_TEXT]


def _sorted_unique(values: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, (list, tuple)) or len(value) > MAX_CHOICES:
        return None
    return [v for v in value if isinstance(v, str) and len(v) <= MAX_TEXT]

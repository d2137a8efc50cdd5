"""The detail panel of one incident: what happened, who, how sure, and the sources as links.

Built from Dash html components, which render text as text (React escapes
it): nothing from the data is ever interpreted as HTML. Only ``http`` and
``https`` URLs become links.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd
from dash import html

from dashboard import ids
from dashboard.figures.style import cell_text, clip, fatality_text, format_day
from dashboard.views.table import fatality_range
from geodata import GEO_PRECISION, Gazetteer
from geodata.model.schema import INCIDENTS

#: The spot list shows at most this many incidents (an area centroid can hold thousands); it says how
#: many more there are, and that narrowing the filter shows them.
SPOT_LIST_LIMIT = 100

_URL = re.compile(r"https?://[^\s<>\"'()]+(?:\([^\s<>\"'()]*\)[^\s<>\"'()]*)*", re.IGNORECASE)
MAX_LINKS = 8


def source_links(source: str, source_url: str) -> list[str]:
    """The http(s) URLs of an incident: its ``source_url`` first, then any named in the source text."""
    urls = []
    for url in [source_url, *_URL.findall(source)]:
        url = url.rstrip(".,;")
        if url.lower().startswith(("http://", "https://")) and url not in urls:
            urls.append(url)
    return urls[:MAX_LINKS]


def source_fields(row: pd.Series) -> list[tuple[str, str]]:
    """Every non-canonical field of the incident that holds a value, under its source's own name
    (ACLED ``assoc_actor_1``, ``inter1``, ``timestamp``; UCDP ``high``, ``flags`` ...), in stored order."""
    out = []
    for name, value in row.items():
        if name in INCIDENTS.names or name == "geometry":
            continue
        shown = cell_text(value)
        if shown and shown != "False":  # a flag that is not raised says nothing
            out.append((str(name), shown))
    return out


def _row(label: str, value: Any) -> list:
    return [html.Dt(label), html.Dd(value)]


def incident_detail(row: pd.Series, gazetteer: Gazetteer | None = None, *, in_filter: bool = True) -> list:
    """The panel's content for one incident (a row of the canonical incidents table)."""
    place = cell_text(row.get("location"))
    shown_place = gazetteer.display_name(place) if gazetteer is not None and place else place
    kind = cell_text(row.get("event_type"))
    sub = cell_text(row.get("sub_event_type"))
    actors = [a for a in (cell_text(row.get("actor1")), cell_text(row.get("actor2"))) if a]
    precision = row.get("geo_precision")
    precision_text = (GEO_PRECISION.get(int(float(cell_text(precision))), "unknown") if cell_text(precision)
                      else "unknown")
    note = cell_text(row.get("geo_precision_note"))
    admin = " › ".join(a for a in (cell_text(row.get(f"admin{level}")) for level in (1, 2, 3)) if a)
    fatalities = fatality_range(row.get("fatalities"), row.get("fatalities_low"), row.get("fatalities_high"))
    if fatalities == "–":
        fatalities = "not reported"
    elif "(" in fatalities:
        fatalities = fatalities.replace("(", "(sources range ")
    source = cell_text(row.get("source"))
    links = source_links(source, cell_text(row.get("source_url")))
    day = row.get("event_date")
    date_note = cell_text(row.get("date_precision"))
    children: list = [
        html.H3(f"{shown_place or 'Unknown place'}"),
        html.P(f"{format_day(day) if cell_text(day) else 'date unknown'}"
               + (f" (date known to the {date_note})" if date_note and date_note != "day" else "")
               + f" · {kind}" + (f" – {sub}" if sub else ""), className="detail-when"),
    ]
    if not in_filter:
        children.append(html.P("Outside the current filters.", className="detail-warning"))
    facts = []
    facts += _row("Actors", " vs ".join(actors) if actors else "unknown")
    facts += _row("Fatalities", fatalities)
    facts += _row("Location", precision_text + (f" — {note}" if note else ""))
    if admin:
        facts += _row("Admin area", admin)
    facts += _row("Event id", cell_text(row.get("event_id")))
    children.append(html.Dl(facts, className="detail-facts"))
    notes = cell_text(row.get("notes"))
    if notes:
        children.append(html.P(notes, className="detail-notes"))
    children.append(html.P(["Source: ", source], className="detail-source"))
    fields = source_fields(row)
    if fields:
        children.append(html.Details([html.Summary(f"All fields of the source ({len(fields)})"),
                                      html.Dl([part for name, value in fields for part in _row(name, value)],
                                              className="detail-fields")], className="detail-source-fields"))
    if links:
        children.append(html.Ul([html.Li(html.A(url, href=url, target="_blank", rel="noopener noreferrer"))
                                 for url in links], className="detail-links"))
    return children


def spot_list(rows: pd.DataFrame, selected_id: str, total: int | None = None) -> html.Section:
    """Every incident drawn at one spot (``rows``, date order; ``total`` of them in all when the list
    is cut), each with its date, type, fatalities and source: one disc on the map hides the others.
    The selected incident is marked (its full details follow)."""
    total = len(rows) if total is None else total
    items = []
    for event_id, day, kind, sub, best, low, high, source in rows.reindex(columns=[
            "event_id", "event_date", "event_type", "sub_event_type", "fatalities", "fatalities_low",
            "fatalities_high", "source"]).itertuples(index=False, name=None):
        deaths = fatality_text(best, low, high, range_words="range ")
        current = cell_text(event_id) == selected_id
        text = [
            html.Span(format_day(day) if cell_text(day) else "date unknown", className="spot-date"), " · ",
            html.Span(cell_text(kind) + (f" – {cell_text(sub)}" if cell_text(sub) else ""), className="spot-type"),
            " · ", html.Span(f"fatalities: {deaths}", className="spot-fatalities"),
            " · ", html.Span(clip(cell_text(source) or "source not given", 160), className="spot-source"),
        ]
        # Each other incident is a button: a click opens its details (the list stays).
        body = text if current else [html.Button(text, id={"type": ids.SPOT_ITEM, "index": cell_text(event_id)},
                                                 type="button", className="spot-pick", n_clicks=0)]
        items.append(html.Li(body, className="spot-item current" if current else "spot-item",
                             title=cell_text(event_id), **({"aria-current": "true"} if current else {})))
    more = total - len(rows)
    return html.Section([
        html.H4(f"{total:,} incidents at this spot (in the current filters)"),
        html.Ol(items, className="spot-list"),
        *([html.P(f"and {more:,} more here: narrow the filter to list them", className="spot-more")]
          if more > 0 else []),
    ], className="detail-spot")

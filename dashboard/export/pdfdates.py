"""A rendered PDF's creation and modification dates set to the export's stamp.

Why: Chromium writes the moment it printed into the PDF's Info dictionary
(``/CreationDate`` and ``/ModDate``), so the same briefing or storyboard
rendered twice, with the same ``--stamp``, differed in those bytes. The
stamp is the time the export says it was generated, so it is also the
honest creation date. The dates are rewritten in place with text of the
same length (``D:YYYYMMDDHHmmSS+00'00'``), so the cross-reference offsets
stay valid and nothing else in the file moves.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

_DATE = re.compile(rb"/(CreationDate|ModDate) \((D:\d{14}[^)]{0,12})\)")


def pdf_date(when: datetime) -> bytes:
    """``when`` as a PDF date in UTC (a naive time is taken as UTC)."""
    moment = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'").encode()


def stamp_pdf(data: bytes, when: datetime) -> bytes:
    """``data`` with its creation and modification dates set to ``when`` (dates of another length are left
    alone: rewriting them would move every object after them)."""
    date = pdf_date(when)

    def replace(match: re.Match[bytes]) -> bytes:
        if len(match.group(2)) != len(date):
            return match.group(0)
        return b"/" + match.group(1) + b" (" + date + b")"

    return _DATE.sub(replace, data)

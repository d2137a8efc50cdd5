"""The timeline's bars name their event type in the hover, escaped: a source's type is data, not markup."""
from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.figures.timeline import timeline_figure


def test_each_bar_names_its_own_type_escaped():
    days = pd.date_range("2021-05-01", "2021-05-10", freq="D")
    daily = pd.DataFrame({"Protests": range(10), "<b>Riots</b> & looting": [1] * 10}, index=days)
    figure = timeline_figure(daily, pd.DataFrame(), date(2021, 5, 3), date(2021, 5, 6),
                             (date(2021, 5, 1), date(2021, 5, 10)), None)
    hovers = {t["name"]: t["hovertemplate"] for t in figure["data"] if t.get("meta") == "incidents-per-day"}
    assert hovers["Protests"].endswith("<extra>Protests</extra>")
    assert hovers["<b>Riots</b> & looting"].endswith("<extra>&lt;b&gt;Riots&lt;/b&gt; &amp; looting</extra>")

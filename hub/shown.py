"""How the group dashboard puts the hub's figures into words and order: how long ago a site
was heard, whether it is stale, which sites come first, and each measure's ranking.

Pure functions of the read model (hub/views.py) and the page's words; the pages only draw."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from core.display.texts import Texts

from .views import SiteFigures, SiteLine


def is_stale(line: SiteLine, now: datetime, stale_after_seconds: int) -> bool:
    """Not heard for ``stale_after_seconds``, or never heard (the hub's own mark counts too)."""
    if line.stale or line.last_heard is None:
        return True
    return (now - line.last_heard).total_seconds() >= stale_after_seconds


def silent_seconds(line: SiteLine, now: datetime) -> float:
    """How long since the site was heard (never heard: longer than anything)."""
    if line.last_heard is None:
        return math.inf
    return max(0.0, (now - line.last_heard).total_seconds())


def trouble_first(lines: list[SiteLine], now: datetime, stale_after: int) -> list[SiteLine]:
    """Stale sites first (the longest silent on top), then by cars at risk, devices offline,
    cars waiting for dispatch; quiet sites by name."""

    def key(line: SiteLine) -> tuple[bool, float, int, int, int, str, str]:
        stale = is_stale(line, now, stale_after)
        return (
            not stale,
            -silent_seconds(line, now) if stale else 0.0,
            -line.at_risk,
            -line.devices_offline,
            -line.waiting_dispatch,
            line.name,
            line.site,
        )

    return sorted(lines, key=key)


def ago(t: Texts, line: SiteLine, now: datetime) -> str:
    """ "12 min ago"; "—" for a site never heard (its state says so)."""
    seconds = silent_seconds(line, now)
    if seconds == math.inf:
        return "—"
    if seconds < 60:
        return t("group.just_now")
    if seconds < 3600:
        return t("group.minutes_ago", n=int(seconds // 60))
    if seconds < 86400:
        return t("group.hours_ago", n=int(seconds // 3600))
    return t("group.days_ago", n=int(seconds // 86400))


def duration(t: Texts, seconds: float | None) -> str:
    """A feed's lag or a response time: seconds under two minutes, minutes under two hours,
    else hours."""
    if seconds is None:
        return "—"
    if seconds < 120:
        return t("group.seconds", n=f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}")
    if seconds < 7200:
        return t("group.minutes", n=round(seconds / 60))
    return t("group.hours", n=f"{seconds / 3600:.1f}")


# ---------------------------------------------------------------------------- figures
@dataclass(frozen=True)
class Measure:
    """A figure the sites are ranked by."""

    key: str
    value: Callable[[SiteFigures], float | None]
    higher_is_better: bool
    shown: Callable[[Texts, float | None], str]
    #: In the CSV: the number as a spreadsheet takes it, and its unit's text key.
    csv: Callable[[float], str]
    unit: str


def pct(_t: Texts, x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f} %"


def score(_t: Texts, x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


MEASURES: tuple[Measure, ...] = (
    Measure("on_time", lambda f: f.on_time, True, pct, lambda x: f"{x * 100:.1f}", "%"),
    Measure(
        "first_time_fix", lambda f: f.first_time_fix, True, pct, lambda x: f"{x * 100:.1f}", "%"
    ),
    Measure("efficiency", lambda f: f.efficiency, True, pct, lambda x: f"{x * 100:.1f}", "%"),
    Measure("approval", lambda f: f.approval, True, pct, lambda x: f"{x * 100:.1f}", "%"),
    Measure("satisfaction", lambda f: f.satisfaction, True, score, lambda x: f"{x:.2f}", ""),
    Measure(
        "help_response",
        lambda f: f.help_response_seconds,
        False,
        duration,
        lambda x: f"{x:.0f}",
        "group.unit_seconds",
    ),
)
BY_KEY = {m.key: m for m in MEASURES}


def ranks(figures: list[SiteFigures], measure: Measure) -> dict[str, int]:
    """Each site's place on ``measure`` (1 is best; equal figures share a place, the next
    place skipped); a site without the figure has none."""
    have = [(v, f.site) for f in figures if (v := measure.value(f)) is not None]
    have.sort(key=lambda x: -x[0] if measure.higher_is_better else x[0])
    places: dict[str, int] = {}
    for i, (value, site) in enumerate(have):
        same = i > 0 and value == have[i - 1][0]
        places[site] = places[have[i - 1][1]] if same else i + 1
    return places


def marked(ranked: int) -> int:
    """How many sites at each end of a ranking are coloured: a tenth, 1 to 10."""
    return max(1, min(10, ranked // 10)) if ranked >= 2 else 0


def band(place: int | None, ranked: int, n: int) -> str:
    """ "top", "bottom" or "" for a site's place among the ``ranked`` sites that have the
    figure, when the first and last ``n`` are coloured."""
    if place is None or n == 0 or ranked < 2:
        return ""
    if place <= n:
        return "top"
    if place > ranked - n:
        return "bottom"
    return ""


def figures_csv(t: Texts, figures: list[SiteFigures]) -> bytes:
    """The figures table as a spreadsheet opens it (with a byte-order mark for the
    Chinese), every measure with its rank."""
    places = {m.key: ranks(figures, m) for m in MEASURES}
    head: list[str | int] = [
        t("group.csv_site_id"),
        t("group.site"),
        t("group.days"),
        t("group.checked_in"),
        t("group.delivered"),
    ]
    for m in MEASURES:
        unit = t(m.unit) if m.unit.startswith("group.") else m.unit
        name = t(f"group.measure.{m.key}")
        head += [f"{name} ({unit})" if unit else name, f"{name} {t('group.rank')}"]
    head += [t("group.complaints"), t("group.help_calls")]
    rows: list[list[str | int]] = [head]
    for f in sorted(figures, key=lambda f: f.site):
        row: list[str | int] = [f.site, f.name, f.days, f.checked_in, f.delivered]
        for m in MEASURES:
            value = m.value(f)
            place = places[m.key].get(f.site)
            row += ["" if value is None else m.csv(value), "" if place is None else place]
        row += [f.complaints, f.help_calls]
        rows.append(row)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")

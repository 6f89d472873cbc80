"""A date picker's own words (its days and months) in the page's language: Quasar's come
from the one language the app was started with, whatever language a person switched to."""

from __future__ import annotations

import json
from datetime import date

from nicegui import ui

from core.display.texts import Texts


def dated(picker: ui.date, t: Texts, title: str, earliest: date | None = None) -> ui.date:
    """``picker`` naming its days and months in ``t``'s language, its weeks from Monday,
    under ``title`` (Quasar's own header writes the picked day in the app's first language);
    no day before ``earliest`` offered."""
    picker.props["title"] = title
    if earliest is not None:  # Quasar hands each day as "YYYY/MM/DD", which sorts as text
        picker.props[":options"] = f"day => day >= {json.dumps(f'{earliest:%Y/%m/%d}')}"
    picker.props["locale"] = {
        "days": t("date.days").split(","),
        "daysShort": t("date.days_short").split(","),
        "months": t("date.months").split(","),
        "monthsShort": t("date.months_short").split(","),
        "firstDayOfWeek": 1,  # a workshop's week, in China as in Europe
    }
    return picker

"""A table's own words (its pager, "no data") in the page's language: Quasar's come from
the one language the app was started with, whatever language a person switched to."""

from __future__ import annotations

import json

from nicegui import ui

from core.display.texts import Texts


def worded(table: ui.table, t: Texts) -> ui.table:
    """``table`` saying "no data", "rows per page" and "1-10 of 32" in ``t``'s language."""
    of = json.dumps(f" {t('table.of')} ")  # a JavaScript string, quoted and escaped
    table.props["no-data-label"] = t("table.no_data")
    table.props["rows-per-page-label"] = t("table.rows_per_page")
    table.props[":pagination-label"] = f'(first, last, total) => first + "-" + last + {of} + total'
    return table

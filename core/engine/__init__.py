"""The core's single writer (``Core``) and the plain code of one batch (``BatchStep``)."""

from core.config import bays_from_config, technicians_from_config

from .batch import BatchStep, Outcome
from .items import Counters, Incoming, Item, Publisher, Query, Republish, WebCommand
from .loop import MAX_BATCH, Core

__all__ = [
    "MAX_BATCH",
    "BatchStep",
    "Core",
    "Counters",
    "Incoming",
    "Item",
    "Outcome",
    "Publisher",
    "Query",
    "Republish",
    "WebCommand",
    "bays_from_config",
    "technicians_from_config",
]

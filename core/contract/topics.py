"""The one topic registry. Subscriptions, retained publishing, the protocol document and
the Mosquitto ACL are all generated from this table, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from .dispatch_parts import (
    DeviceView,
    DispatchBay,
    DispatchIndex,
    DispatchJob,
    DispatchLeft,
    DispatchPeople,
    DispatchReserved,
)
from .group import BridgeLink, GroupAck, GroupFeed
from .help_board import HelpBoard
from .messages import Ack, Command, DeviceStatus, Envelope
from .views import BayState, LoungeView, WelcomeView

#: Who may read or write a topic. ``self`` is the device the topic is named after;
#: ``bay-kiosk`` is the kiosk standing at the bay the topic is named after; ``device`` is
#: every kiosk and the devices bridge; ``lounge`` and ``welcome`` the public screens of the
#: lounge and of reception; ``broker`` the site's broker itself (its bridge to head office).
Party = Literal[
    "core",
    "self",
    "device",
    "bay-kiosk",
    "bridge-of",
    "lounge",
    "welcome",
    "board",
    "relay",
    "hub",
    "broker",
]

ROOT = "pitboard/{site}/"


@dataclass(frozen=True)
class Topic:
    key: str
    pattern: str
    qos: int
    retain: bool
    payload: type[BaseModel]
    writers: tuple[Party, ...]
    readers: tuple[Party, ...]
    summary: str

    def full(self, site: str, **parts: str) -> str:
        return (ROOT + self.pattern).format(site=site, **parts)

    def wildcard(self, site: str) -> str:
        """The subscription filter: every ``{placeholder}`` becomes ``+``."""
        out, depth = [], 0
        for ch in self.pattern:
            if ch == "{":
                depth += 1
                out.append("+")
            elif ch == "}":
                depth -= 1
            elif depth == 0:
                out.append(ch)
        return ROOT.format(site=site) + "".join(out)


EVENT = Topic(
    "event",
    "dev/{device}/event",
    1,
    False,
    Envelope,
    writers=("self",),
    readers=("core",),
    summary="An event from a device (kiosk tap, key read, print result).",
)
ACK = Topic(
    "ack",
    "dev/{device}/ack",
    1,
    False,
    Ack,
    writers=("core",),
    readers=("self",),
    summary="The core's answer to one event, sent after the effect is committed.",
)
CMD = Topic(
    "cmd",
    "dev/{device}/cmd",
    1,
    False,
    Command,
    writers=("core",),
    readers=("self", "bridge-of"),
    summary="A command for a device, e.g. a print job for a printer.",
)
STATUS = Topic(
    "status",
    "dev/{device}/status",
    1,
    True,
    DeviceStatus,
    writers=("self", "bridge-of"),
    readers=("core", "board"),
    summary="Whether a device is online, and what is wrong while it is (`problem`, e.g. "
    "`reader_down`); its Last Will sets online=false.",
)
BAY_STATE = Topic(
    "bay_state",
    "bay/{bay}/state",
    1,
    True,
    BayState,
    writers=("core",),
    readers=("bay-kiosk", "board"),
    summary="The bay's signed-in technicians, current job, timer and queue.",
)
LOUNGE = Topic(
    "lounge",
    "view/lounge",
    1,
    True,
    LoungeView,
    writers=("core",),
    readers=("lounge", "board"),
    summary="The public lounge view: no names, phone numbers, full plates or VINs.",
)
WELCOME = Topic(
    "welcome",
    "view/welcome",
    1,
    True,
    WelcomeView,
    writers=("core",),
    readers=("welcome", "board"),
    summary="The welcome board at reception: today's booked cars by time (masked plate, model,"
    " the advisor's name, arrived or not); no customer's name or phone number.",
)
# The foreman's board, in parts that change apart (core/contract/dispatch_parts.py).
DISPATCH_INDEX = Topic(
    "dispatch_index",
    "view/dispatch/index",
    1,
    True,
    DispatchIndex,
    writers=("core",),
    readers=("board",),
    summary="The board's newest publication: its time, its Gantt window and which versions of"
    " its parts make it up.",
)
DISPATCH_BAY = Topic(
    "dispatch_bay",
    "view/dispatch/bay/{bay}",
    1,
    True,
    DispatchBay,
    writers=("core",),
    readers=("board",),
    summary="One bay's row on the board: its technicians, current job and queue.",
)
DISPATCH_JOB = Topic(
    "dispatch_job",
    "view/dispatch/job/{ro}",
    1,
    True,
    DispatchJob,
    writers=("core",),
    readers=("board",),
    summary="One open job on the board: its card, Gantt bars, planned bar and alerts; cleared"
    " (an empty retained message) when the job leaves the board.",
)
DISPATCH_LEFT = Topic(
    "dispatch_left",
    "view/dispatch/left/{ro}",
    1,
    True,
    DispatchLeft,
    writers=("core",),
    readers=("board",),
    summary="A job that left the building during the Gantt's day (delivered, closed,"
    " cancelled): its Gantt bars; cleared when the day is over.",
)
DISPATCH_RESERVED = Topic(
    "dispatch_reserved",
    "view/dispatch/reserved/{bay}",
    1,
    True,
    DispatchReserved,
    writers=("core",),
    readers=("board",),
    summary="The booked cars' time reserved on one bay within the Gantt's window (masked"
    " plates, no names); cleared when the bay has none.",
)
DISPATCH_PEOPLE = Topic(
    "dispatch_alerts",
    "view/dispatch/alerts",
    1,
    True,
    DispatchPeople,
    writers=("core",),
    readers=("board",),
    summary="The board's alerts about people: technicians who moved bay, refused sign-ins.",
)
HELP = Topic(
    "help",
    "view/help",
    1,
    True,
    HelpBoard,
    writers=("core",),
    readers=("board",),
    summary="The help calls (安灯) not yet closed: kind, bay, caller, note, running since,"
    " who answered, the escalation tier reached and the next; apart from the dispatch board,"
    " so a call is shown without the board being built.",
)
DEVICE_VIEW = Topic(
    "device_view",
    "view/devices/{device}",
    1,
    True,
    DeviceView,
    writers=("core",),
    readers=("board",),
    summary="One device as the board shows it (online, problem, since) and its alert; sent"
    " only when that row changes.",
)

CORE_STATUS = Topic(
    "core-status",
    "dev/core/status",
    1,
    True,
    DeviceStatus,
    writers=("core",),
    readers=("device", "board"),
    summary="Whether the core is online: devices send their unanswered events again at once"
    " when it comes back, and not while it is away.",
)
#: The group feed (core/contract/group.py). ``relay`` is the site core's feed relay (the
#: core's own broker user at the site); ``hub`` the head office's hub. The site broker's
#: bridge carries both topics; the hub broker's ACL is generated per site
#: (``pitboard hub acl``).
GROUP_FEED = Topic(
    "group_feed",
    "group/feed",
    1,
    False,
    GroupFeed,
    writers=("relay",),
    readers=("hub",),
    summary="The site's group facts for head office, numbered per site; resent until acknowledged.",
)
GROUP_ACK = Topic(
    "group_ack",
    "group/ack",
    1,
    False,
    GroupAck,
    writers=("hub",),
    readers=("relay",),
    summary="The hub's answer after its commit: every fact up to `upto` is held at head office.",
)
#: The site broker's bridge says here whether it is connected to head office's broker (its
#: Mosquitto notification, retained; kept at the site). The board may show it; the relay may
#: hold its resends while it is 0 (they would only queue up in the bridge).
GROUP_LINK = Topic(
    "group_link",
    "group/link",
    1,
    True,
    BridgeLink,
    writers=("broker",),
    readers=("relay", "board"),
    summary="`1` while the site broker's bridge to head office is connected, `0` when it is not"
    " (the bridge's own notification, never sent to head office).",
)
TOPICS: tuple[Topic, ...] = (
    EVENT,
    ACK,
    CMD,
    STATUS,
    CORE_STATUS,
    BAY_STATE,
    LOUNGE,
    WELCOME,
    DISPATCH_INDEX,
    DISPATCH_BAY,
    DISPATCH_JOB,
    DISPATCH_LEFT,
    DISPATCH_RESERVED,
    DISPATCH_PEOPLE,
    DEVICE_VIEW,
    HELP,
    GROUP_FEED,
    GROUP_ACK,
    GROUP_LINK,
)

#: What a subscriber of the foreman's board subscribes to (core/contract/dispatch_mirror.py).
BOARD: tuple[Topic, ...] = (
    DISPATCH_INDEX,
    DISPATCH_BAY,
    DISPATCH_JOB,
    DISPATCH_LEFT,
    DISPATCH_RESERVED,
    DISPATCH_PEOPLE,
    DEVICE_VIEW,
)

#: What the core subscribes to (everything devices write).
CORE_SUBSCRIPTIONS: tuple[Topic, ...] = tuple(t for t in TOPICS if "core" in t.readers)

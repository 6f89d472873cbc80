"""The human protocol document and the JSON Schemas, generated from the topic registry."""

from __future__ import annotations

import json
from pathlib import Path

from core.config import SiteConfig
from core.contract.printing import PrintJob

from .acl import render_acl
from .events import EVENTS
from .topics import ROOT, TOPICS

ERROR_CODES = {
    "malformed_json": "the payload is not UTF-8 JSON",
    "invalid_envelope": (
        "a field of the envelope is missing or wrong (seq, ts with offset, ...); types are"
        ' strict: `"12"` is not a number, `true` not a seq; a `seq` below 1 is answered'
        " with `seq: null`; a device numbered `rising` sends numbers up to 2^62, and one"
        " above is refused without using it up"
    ),
    "unsupported_version": "`v` is not 1",
    "unknown_event_type": "`type` is not one of the event types below",
    "invalid_data": "`data` does not fit the event type",
    "source_mismatch": "`source` is not the device the topic is named after",
    "seq_taken": (
        "the device's `seq` was used by another message (the device lost its outbox and"
        " began again at 1, or someone else published under its name), or, from a device"
        " numbered `rising`, lies below its last number and was never used; the ack's"
        " `next_seq` says where the device's sequence stands: it numbers its unanswered"
        " events from there and sends them again"
    ),
    "unknown_device": "the device is not in the site configuration",
    "internal_error": (
        "the core failed on the event through a fault of its own (logged with the event's"
        " bytes); nothing of it was applied, and its number is used up so that the device"
        " goes on with its next"
    ),
    "not_permitted": "this kind of device may not send this event type",
    "future_timestamp": (
        "`ts` lies more than 5 minutes after the event reached the core, by the site's"
        " clock (the device's clock is ahead; the demo's site clock is a day of its own, see"
        " `pitboard run --demo`). An event dated before the device's previous one is applied"
        " at its own time, and its audit line says by how much the clock went back"
        " (`clock_behind_s`); a step on a technician's clock takes effect no earlier than"
        " that clock's last change on the job, nor before the car came in"
    ),
    "wrong_bay": (
        "the bay is not the kiosk's own, or the job is not dispatched there, or the help call"
        " is another bay's"
    ),
    "unknown_job": "no such repair order in the workshop",
    "unknown_technician": "no such technician",
    "unknown_bay": "no such bay",
    "unknown_finding": "no such finding on the job",
    "unknown_key": "the key tag belongs to no car in the workshop",
    "not_signed_in": "the technician is not signed in at that bay",
    "technician_busy": "the technician's clock already runs on another job",
    "findings_pending": "a finding still waits for the customer's answer",
    "same_checker": (
        "the technician did an earlier check of this car (self, leader): each of the three"
        " checks is another person's, unless a manager allowed it on the order or the site"
        " lets this person check twice (`may_check_twice`)"
    ),
    "key_not_back": "the key cabinet says the car's key is out with a technician",
    "not_this_car": (
        "delivery at the desk to someone whose pickup card (or the plate they read out) is"
        " not this car's"
    ),
    "handover_incomplete": (
        "the advisor's handover checklist is not complete (or ticks what is not so: the"
        " final inspection not signed, the key not in the cabinet)"
    ),
    "inspection_incomplete": (
        "final inspection passed with an item of the job type's checklist unticked, or"
        " without the road test the job type needs"
    ),
    "unknown_help_call": "no such help call",
    "key_elsewhere": (
        "a key.out from a hook the key is not on: the key hangs in another slot (moved while"
        " the bridge was stopped, or a reader re-wired); custody changes nothing"
    ),
    "help_already_called": (
        "the bay already called for this kind of help and the call is not closed yet (one"
        " open call per kind and bay)"
    ),
    "illegal_transition": (
        "the workflow does not allow this step now (a help call answered twice, or closed already)"
    ),
}


BOARD_IN_PARTS = [
    "## The foreman's board, in parts",
    "",
    "The dispatch board is no one message: it is retained parts that change apart, so a tap",
    "sends what it changed (a job, and the rows it left or joined: a few kilobytes), not the",
    "whole board.",
    "",
    "- `view/dispatch/bay/{bay}`: the bay's row (technicians, current job, queue) and its",
    "  place on the board. The QC and wash stations are bays too; their rows travel without",
    "  `current` and `queue`: the jobs at a station are the cards whose status is at it (QC:",
    "  `self_checked`, `leader_checked`, the leader-checked first, then by RO; wash:",
    "  `wash_waiting`, `washing`, the car being washed as `current`, then by promised time,",
    "  then RO), so a car passing a station sends its own card, not the station's list.",
    "- `view/dispatch/job/{ro}`: every open job: its card, its Gantt bars, its `planned` bar",
    "  while it stands in a bay's queue (the plan, 排班: planned start and end on its bay, to",
    "  the minute, planned again whenever the board is built) and its alerts; an empty",
    "  retained message when the job leaves the board.",
    "- `view/dispatch/left/{ro}`: a job that left the building (delivered, closed, cancelled)",
    "  during the Gantt's day: its Gantt bars, so the Gantt shows the whole day's work; an",
    "  empty retained message when the day is over.",
    "- `view/dispatch/reserved/{bay}`: the time reserved on the bay for booked cars within",
    "  the Gantt's window (masked plate, model, the reception slot booked); an empty retained",
    "  message when the bay has none left.",
    "- `view/dispatch/alerts`: the alerts about people (moved technicians, refused sign-ins).",
    "- `view/devices/{device}`: one device's row and its alert, sent only when the row changes",
    "  (a device saying again what it said changes nothing; `since` is since when it is as it",
    "  is); an empty retained message when the core no longer knows the device.",
    "- `view/dispatch/index`, sent after the parts: the board's time (`updated_at`, its line",
    "  of now), the Gantt's window, how many parts and device rows there are and the `digest`",
    "  of the part versions that make up the board. It goes out whenever the board is built",
    "  (after changes, and every 30 s for the alerts that come due with time alone).",
    "",
    "A job's card on the board (`BoardCard`) stays the same while the job does: its",
    "`worked_seconds` is as of its `worked_as_of` and grows by one second per second per",
    "working technician since.",
    "",
    "Every part carries `run` (new whenever the core starts) and `seq` (the publication that",
    "last changed it). A subscriber keeps the newest message of each topic; it holds a whole",
    "board when its parts of the index's `run` are `parts` many, their digest equals the",
    "index's `digest` (the first 16 hex digits of the SHA-256 of one line `{part} {seq}\\n` per",
    "part, sorted by part; the part is the topic after `view/dispatch/`, e.g. `bay/B03`) and it",
    "holds `devices` device rows of that run. Until then it shows the last whole board, so a",
    "job moving from one bay to another is never shown twice or not at all. Parts of another",
    "run are left over (a bay taken out of the configuration) and are ignored. On every",
    "(re)connect the core sends every part again.",
    "",
    "The board's lists are worked out from the cards, taken in board order (promised time,",
    "then RO), as the core does it:",
    "",
    "- waiting for dispatch: the cards with status `checked_in`, waiting customers first, then",
    "  by promised time, then RO;",
    "- findings awaiting the customer: `{ro}/{finding id}` of the findings in state `pending`,",
    "  oldest `reported_at` first (ties in board order);",
    "- keys out: the cards with `key_state` `out`, by `key_since` (none: the index's time);",
    "- ready for pickup: the cards with status `ready`;",
    "- QC and wash queues: the current job and the queue of the `qc` and `wash` stations;",
    "- the jobs: every card in board order; the Gantt: the bars by bay, start, technician;",
    "  the alerts: the jobs' (job by job in board order), the devices' (by device), the",
    "  people's.",
    "",
    "`core/contract/dispatch_mirror.py` (`BoardMirror`) does this for a subscriber in Python.",
]


INTRODUCTION = [
    "# Pitboard wire contract v1 (MQTT)",
    "",
    "Generated by `pitboard docs` from the topic registry (`core/contract/topics.py`);",
    "do not edit by hand. JSON Schemas for every payload are in `docs/schema/`.",
    "",
    f'Every topic starts with `{ROOT}`. Payloads are UTF-8 JSON objects with `"v": 1`.',
    "`{device}` is the device's MQTT user name; which bay a kiosk stands at comes from the",
    "site configuration, never from what the kiosk says.",
    "",
]

TOPIC_NOTES = [
    "`self` is the device the topic names; `bay-kiosk` the kiosk standing at that bay;",
    "`bridge-of` the devices bridge hosting that printer; `lounge`, `welcome` (reception's",
    "welcome board) and `board` are the screen users. The Mosquitto ACL is generated from",
    "this table (`pitboard broker acl`).",
]

GUARANTEES = [
    "## Guarantees",
    "",
    "- `(source, seq)` makes an event unique. `seq` rises by one per event per device and",
    "  survives restarts of the device. A repeat changes nothing, also after a restart of",
    "  the core, and is answered with what became of the first: `duplicate` if it was",
    "  applied, `rejected` with the first answer's `error.code` if it was refused (so a",
    "  device whose first answer was lost never takes a refused event for applied).",
    "  A repeat is the same bytes: a message whose `seq` was used by different bytes is",
    "  answered `rejected`/`seq_taken` with the `next_seq` to carry on from, so a tablet",
    "  that lost its outbox (reinstalled, new SD card) and starts again at 1 loses nothing.",
    "- Every ack names the message it answers (`event`: the first 16 hex digits of the",
    "  SHA-256 of its bytes); a device ignores an ack that does not name its own event.",
    "- The core commits the effect, the inbox mark and the audit line in one transaction;",
    "  only then does it send the MQTT PUBACK and the application ack on `dev/{device}/ack`.",
    "  A device keeps an event until its ack arrives and may send it again at any time.",
    "- A rejected event changes nothing and does not block later events from the device:",
    "  its `seq` is used up whatever the reason, also when its `source` is not the",
    "  publishing device (the sequence is that of the MQTT user publishing it).",
    "- A device's events are applied strictly in `seq` order, starting at 1. An event",
    "  that arrives ahead of a missing one (the broker dropped the missing one, e.g.",
    "  while the core was reconnecting) is PUBACKed but neither applied nor answered.",
    "  A device therefore sends everything unanswered again, oldest first, on every",
    "  (re)connect and whenever no answer has come for a while (Pitboard's own devices:",
    "  5 s, doubling up to 60 s while nothing answers; never while the core's retained",
    "  status on `dev/core/status` says it is offline, and at once when it says online",
    "  again); the gap fills and the held events follow in order.",
    '- A device the site configuration numbers `rising` (`numbering = "rising"`: a console',
    '  a person sends taps from by hand, e.g. `mosquitto_pub` with `"seq":$(date +%s)`)',
    "  may skip numbers: any `seq` above its last is its next and is applied at once, and",
    "  the numbers it skipped are used up. A repeat is answered as above (the same bytes:",
    "  `duplicate`); a number below its last that it never used is answered",
    "  `rejected`/`seq_taken`. Nothing is held for it, so an event of it lost on the way",
    "  stays lost: send it again under a new number. Every other device is numbered",
    "  `consecutive`, as above.",
    "- On every (re)connect the core publishes all retained views from its database.",
]

PRINT_COMMANDS = [
    "## Print commands",
    "",
    "The core asks for a print on `dev/{printer}/cmd` with",
    '`{"v": 1, "id": PRINT_ID, "type": "print", "ts": …, "data": PRINT_JOB}`; `data` is',
    "described by `schema/cmd.print.json`: the printer, a `print_id` and the document with",
    "everything printed on it (`job_ticket`, `key_tag`, `pickup_card`, `gate_pass`). The",
    "devices bridge keeps it on disk until printed and answers each attempt with a",
    "`print.failed` event (`data.reason`: `paper_out`, `offline`, `timeout`, …), retrying",
    "with back-off, until one ends in `print.done`; `data.attempts` counts the attempts",
    "so far, this one included. The core keeps every print until `print.done` and sends",
    "the unprinted ones again whenever it (re)connects or the bridge comes back online;",
    "the bridge takes each `print_id` once.",
    "",
    "`print.done` means the printer confirmed the print: after the ticket the bridge asks",
    "for the printer's status in order (ESC/POS `GS r 1`), which the printer answers only",
    "once it has processed everything before it. A printer that takes the ticket and",
    "never answers is `timeout`, never done. A printer configured `confirms = false`",
    "(file://, usb://, or one that cannot answer) is sent the bytes and asked nothing; its",
    '`print.done` says `"reason": "unconfirmed"`, and its prints are at-least-once. A',
    "print retried after an attempt that may have put it on paper (the ticket went out",
    "and was not confirmed, or the bridge stopped while waiting) is printed with",
    '"重印 / REPRINT" at its top.',
]

EXAMPLE = [
    "## Example",
    "",
    "```json",
    '{"v": 1, "source": "kiosk-b03", "seq": 42,',
    ' "ts": "2026-11-24T09:15:02.123+08:00", "type": "job.started", "bay": "B03",',
    ' "job": "RO-20261124-0007", "tech": "T017", "data": {}}',
    "```",
    "",
    "answered on `dev/kiosk-b03/ack` with",
    "",
    "```json",
    '{"v": 1, "seq": 42, "result": "applied", "error": null}',
    "```",
]


def topics_table() -> list[str]:
    lines = [
        "## Topics",
        "",
        "| topic | QoS / retain | written by | read by | payload | what |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for t in TOPICS:
        lines.append(
            f"| `{t.pattern}` | {t.qos} / {'yes' if t.retain else 'no'} | {', '.join(t.writers)} "
            f"| {', '.join(t.readers)} | [{t.payload.__name__}](schema/{t.key}.json) "
            f"| {t.summary} |"
        )
    return lines


def event_types_table() -> list[str]:
    lines = [
        "## Event types",
        "",
        "| type | sent by | envelope fields required | data | what it is |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind in EVENTS:
        fields = ", ".join(f"`{n}`" for n in kind.data.model_fields) or "—"
        required = ", ".join(f"`{f}`" for f in kind.needs) or "—"
        senders = ", ".join(sorted(kind.senders))
        lines.append(f"| `{kind.name}` | {senders} | {required} | {fields} | {kind.summary} |")
    return lines


def error_codes_table() -> list[str]:
    lines = [
        "## Error codes (`error.code` of a rejected ack)",
        "",
        "| code | meaning |",
        "| --- | --- |",
    ]
    for code, meaning in ERROR_CODES.items():
        if meaning:
            lines.append(f"| `{code}` | {meaning} |")
    return lines


def render_protocol(config: SiteConfig | None = None) -> str:
    lines = [
        *INTRODUCTION,
        *topics_table(),
        "",
        *TOPIC_NOTES,
        "",
        *BOARD_IN_PARTS,
        "",
        *GUARANTEES,
        "",
        *event_types_table(),
        "",
        *error_codes_table(),
        "",
        *PRINT_COMMANDS,
        "",
        *EXAMPLE,
        "",
    ]
    if config is not None:
        lines += ["## ACL of the demo site", "", "```", render_acl(config).rstrip(), "```", ""]
    return "\n".join(lines)


def schemas() -> dict[str, dict[str, object]]:
    out = {t.key: t.payload.model_json_schema() for t in TOPICS}
    for kind in EVENTS:
        if kind.data.model_fields:
            out[f"data.{kind.name}"] = kind.data.model_json_schema()
    out["cmd.print"] = PrintJob.model_json_schema()
    return out


def write_docs(directory: Path, config: SiteConfig | None = None) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "protocol.md"]
    written[0].write_text(render_protocol(config), encoding="utf-8")
    schema_dir = directory / "schema"
    schema_dir.mkdir(exist_ok=True)
    for key, schema in schemas().items():
        path = schema_dir / f"{key}.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written

"""The finished car's way to its customer: the advisor's handover checklist (内部交车) and
the delivery (交车), refused until the checklist is complete but by a manager's word."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from . import events as ev
from .errors import HandoverIncomplete, InvalidData, KeyNotBack, NotThisCar
from .model import Handover, Job, JobStatus, KeyCustody, KeyState
from .plates import names_one_car, plate_key
from .vocabulary import CallTime, HandoverItem
from .workshop_state import WorkshopState

_I = HandoverItem


def handover_items(job: Job) -> tuple[HandoverItem, ...]:
    """The items of this car's checklist: the old parts only when the customer keeps them."""
    return tuple(i for i in HandoverItem if i is not _I.OLD_PARTS or job.keep_old_parts)


def all_ticked(job: Job) -> tuple[str, ...]:
    """Every item of the car's checklist, as an advisor who saw to each one ticks them."""
    return tuple(i.value for i in handover_items(job))


def inspection_signed(job: Job) -> bool:
    """Every operation done (self-checked) and the final inspection of that round passed."""
    last_qc = next((c for c in reversed(job.checks) if c.level == "qc"), None)
    return job.status is JobStatus.READY and last_qc is not None and last_qc.passed


def key_in_cabinet(job: Job) -> bool:
    """The key hangs on its hook, as far as the cabinet knows: refused only where the cabinet
    says it was taken out (a cabinet without readers, or a key without a tag, has never
    said: the advisor's word stands)."""
    return job.key.state is not KeyState.OUT


def presented_for(job: Job, presented: str) -> str | None:
    """How what the customer presented shows the car is theirs: ``card``, the pickup card's
    QR (the status page's address, ending in the card's token), ``plate``, the car's plate
    checked; None when it is neither."""
    said = presented.strip().rstrip("/")
    token = job.public_token
    if token and (said == token or said.endswith(f"/status/{token}")):
        return "card"
    if names_one_car(said) and plate_key(said) == plate_key(job.vehicle.plate):
        return "plate"
    return None


def handover_gaps(job: Job, ticked: Iterable[str]) -> list[HandoverItem]:
    """The items still open: not ticked, or ticked against what the workshop knows (the
    final inspection not signed, the key not in the cabinet)."""
    said = set(ticked)
    known = {_I.INSPECTED: inspection_signed(job), _I.KEY_IN_CABINET: key_in_cabinet(job)}
    return [i for i in handover_items(job) if i.value not in said or not known.get(i, True)]


class Handovers(WorkshopState):
    def check_handover(self, ro: str, ticked: Iterable[str], by: str, at: datetime) -> Job:
        """The advisor's handover checklist, complete: every item ticked and true."""
        job = self.job(ro)
        self._require_status(job, {JobStatus.READY}, "hand over")
        ticked = tuple(dict.fromkeys(ticked))
        unknown = sorted(set(ticked) - {i.value for i in HandoverItem})
        if unknown:
            raise InvalidData(f"not on the handover checklist: {', '.join(unknown)}")
        gaps = handover_gaps(job, ticked)
        if gaps:
            raise HandoverIncomplete(
                f"{ro}: handover not complete: {', '.join(i.value for i in gaps)}"
            )
        items = [i.value for i in handover_items(job)]
        job.handover = Handover(by=by, at=at, items=items)
        self._record(ev.HandoverChecked(ro=ro, by=by, items=tuple(items), at=at))
        return job

    def deliver(
        self,
        ro: str,
        at: datetime,
        override: str = "",
        call_time: CallTime = CallTime.ANY,
        presented: str | None = None,
    ) -> Job:
        """Hand the car over (交车): paid, delivery summary and gate pass printed, the key to
        the customer, when they would rather take the follow-up call noted. Only after the
        advisor's handover checklist, unless a manager says why (``override``); never while
        the key cabinet says the key is out with a technician (no override: it comes back).
        At the desk, only to whoever ``presented`` the car's pickup card or its plate (no
        override: a manager's word does not make it their car); None where the customer was
        known otherwise (a dealer system's own hand-over)."""
        job = self.job(ro)
        self._require_status(job, {JobStatus.READY}, "deliver")
        why = override.strip() or None
        if job.handover is None and why is None:
            raise HandoverIncomplete(f"{ro}: the handover checklist is not done")
        key = job.key
        if key.state is KeyState.OUT and key.holder in self.technicians:
            raise KeyNotBack(f"{ro}: the key is out with {key.holder}: it comes back first")
        if presented is not None and presented_for(job, presented) is None:
            raise NotThisCar(f"{ro}: neither its pickup card nor its plate was presented")
        job.status = JobStatus.DELIVERED
        job.delivered_at = at
        job.handover_override = why
        job.call_time = call_time
        job.key = KeyCustody(
            state=KeyState.RETURNED, cabinet=key.cabinet, slot=key.slot, since=at, holder="customer"
        )
        self._record(ev.JobDelivered(ro=ro, override=why, key_was=key.state.value, at=at))
        return job

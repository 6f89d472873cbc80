"""The key cabinet: which car's key hangs on which hook, or who has it."""

from __future__ import annotations

from datetime import datetime

from . import events as ev
from .errors import (
    IllegalTransition,
    InvalidData,
    UnknownKey,
)
from .model import (
    OPEN_STATUSES,
    Job,
    KeyCustody,
    KeyState,
)
from .workshop_state import WorkshopState


class KeyCabinet(WorkshopState):
    def free_key_slot(self, slots: int) -> int | None:
        """The lowest hook of the key cabinet no car in the building has."""
        taken = {j.key_slot for j in self.open_jobs() if j.key_slot is not None}
        return next((n for n in range(1, slots + 1) if n not in taken), None)

    def _require_hook(self, slot: int | None, slots: int) -> None:
        """A hook named for a car's key is one of the cabinet's, and no other car's."""
        if slot is None:
            return
        if slot < 1 or (slots and slot > slots):
            hooks = f"1 to {slots}" if slots else "numbered from 1"
            raise InvalidData(f"the key cabinet's hooks are {hooks}, not {slot}")
        holder = next((j for j in self.open_jobs() if j.key_slot == slot), None)
        if holder is not None:
            raise InvalidData(f"hook {slot} is already {holder.ro}'s")

    def _job_for_tag(self, tag: str) -> Job | None:
        for job in self.jobs.values():
            if job.key_tag == tag and job.status in OPEN_STATUSES:
                return job
        return None

    def _key_job(self, tag: str, ro: str | None) -> Job:
        if ro:
            job = self.job(ro)
            if job.key_tag not in (None, tag):
                raise UnknownKey(f"tag {tag} is not the key tag of {ro}")
            holder = self._job_for_tag(tag)
            if holder is not None and holder is not job:  # one tag, one car (as at check-in)
                raise UnknownKey(f"tag {tag} is the key tag of {holder.ro}, not of {ro}")
            return job
        job_for_tag = self._job_for_tag(tag)
        if job_for_tag is None:
            raise UnknownKey(f"key tag {tag} belongs to no car in the workshop")
        return job_for_tag

    def key_in(
        self, tag: str, cabinet: str, slot: int | None, at: datetime, ro: str | None = None
    ) -> Job:
        job = self._key_job(tag, ro)
        self._require_status(job, OPEN_STATUSES, "hang the key of")
        job.key_tag = tag
        job.key = KeyCustody(state=KeyState.IN_CABINET, cabinet=cabinet, slot=slot, since=at)
        self._record(ev.KeyHungUp(ro=job.ro, tag=tag, cabinet=cabinet, slot=slot, at=at))
        return job

    def key_out(
        self,
        tag: str,
        cabinet: str,
        slot: int | None,
        at: datetime,
        holder: str | None = None,
        ro: str | None = None,
    ) -> Job:
        job = self._key_job(tag, ro)
        self._require_status(job, OPEN_STATUSES, "take the key of")
        here = job.key
        if (
            here.state is KeyState.IN_CABINET
            and slot is not None
            and here.slot is not None
            and (here.cabinet, here.slot) != (cabinet, slot)
        ):
            # A hook that last saw the key says it is gone, but another hook has it since
            # (moved while the bridge was stopped): the key is where it was last hung.
            raise IllegalTransition(
                f"key {tag} hangs in {here.cabinet} slot {here.slot}, not {cabinet} slot {slot}",
                code="key_elsewhere",
            )
        job.key = KeyCustody(
            state=KeyState.OUT, cabinet=cabinet, slot=slot, holder=holder, since=at
        )
        self._record(
            ev.KeyTakenOut(ro=job.ro, tag=tag, cabinet=cabinet, slot=slot, holder=holder, at=at)
        )
        return job

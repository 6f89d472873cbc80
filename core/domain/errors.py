"""Refusals the domain gives, each with a stable code that goes on the wire."""

from __future__ import annotations


class DomainError(Exception):
    """A command or event the workshop refuses; ``code`` is the wire error code."""

    code = "illegal_transition"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0])


class UnknownJob(DomainError):
    code = "unknown_job"


class UnknownBay(DomainError):
    code = "unknown_bay"


class UnknownTechnician(DomainError):
    code = "unknown_technician"


class UnknownAdvisor(DomainError):
    code = "unknown_advisor"


class UnknownHelpCall(DomainError):
    code = "unknown_help_call"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class WrongBay(DomainError):
    code = "wrong_bay"


class BayKindNeeded(DomainError):
    """The work needs a kind of bay (alignment, body, paint) this bay is not; a foreman may
    still send it there, saying why."""

    code = "bay_kind_needed"


class PriorityOrder(DomainError):
    """A job put before one of another priority: urgent jobs stay ahead of normal ones."""

    code = "priority_order"


class TimePassed(DomainError):
    """A job planned from a time that has already come."""

    code = "time_passed"


class NotSignedIn(DomainError):
    code = "not_signed_in"


class TechnicianBusy(DomainError):
    code = "technician_busy"


class FindingsPending(DomainError):
    code = "findings_pending"


class UnknownFinding(DomainError):
    code = "unknown_finding"


class DuplicateJob(DomainError):
    code = "duplicate_job"


class CarInWorkshop(DomainError):
    """A car checked in again while an order of it is open: one car is one card on the
    floor, one key on its hook; more work goes on the order it has."""

    code = "car_in_workshop"


class UnknownTeam(DomainError):
    code = "unknown_team"


class InvalidData(DomainError):
    code = "invalid_data"


class FindingNotApproved(DomainError):
    """Work added for a finding the customer has not approved."""

    code = "finding_not_approved"


class UnknownNotice(DomainError):
    code = "unknown_notice"


class UnknownPartsRequest(DomainError):
    code = "unknown_parts_request"


class UnknownKey(DomainError):
    code = "unknown_key"


class UnknownSegment(DomainError):
    """A clock correction names a stretch of work that is not on the job."""

    code = "unknown_segment"


class BadCorrection(DomainError):
    """A clock correction that would leave the clocks impossible (end before start, in the
    future, over another stretch, without a reason)."""

    code = "bad_correction"


class UnknownAppointment(DomainError):
    code = "unknown_appointment"


class NotASlot(DomainError):
    """A booking's time is not one of the reception's slots, or is a buffer kept free."""

    code = "not_a_slot"


class SlotTaken(DomainError):
    """The advisor already has a car booked in that slot."""

    code = "slot_taken"


class Overbooked(DomainError):
    """The booking would take a team or a kind of bay past what it can do that day; it may
    still be booked, forced with a reason."""

    code = "overbooked"


class SameChecker(DomainError):
    """One person would do two of a car's three checks (self, leader, final): refused but for
    a small shop's explicit override."""

    code = "same_checker"


class InspectionIncomplete(DomainError):
    """A final inspection passed with items of its checklist unticked, or without the road
    test its job type needs."""

    code = "inspection_incomplete"


class WalkAroundIncomplete(DomainError):
    """A walk-around record (环车检查) without the customer's signature, or signed before
    the customer was reminded to take their valuables."""

    code = "walkaround_incomplete"


class HandoverIncomplete(DomainError):
    """Delivery before the advisor's handover checklist is complete (a manager may deliver
    all the same, saying why), or a checklist ticked against what the workshop knows."""

    code = "handover_incomplete"


class KeyNotBack(DomainError):
    """Delivery while the key cabinet says the car's key is out with a technician: it comes
    back first."""

    code = "key_not_back"


class NotThisCar(DomainError):
    """Delivery to someone whose pickup card (or the plate they read out) is not this
    car's."""

    code = "not_this_car"


class ComplaintClosed(DomainError):
    """A step on a complaint that is not open (none was opened, or it was resolved)."""

    code = "complaint_closed"

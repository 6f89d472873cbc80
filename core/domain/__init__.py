"""The pure workshop domain: standard library only, time always passed in."""

from .errors import DomainError
from .model import Job, JobStatus
from .workshop import CheckIn, NewFinding, Workshop

__all__ = ["CheckIn", "DomainError", "Job", "JobStatus", "NewFinding", "Workshop"]

"""Where the broker is and who we are to it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    protocol: str = "5"  # "5" | "3.1.1"

    @classmethod
    def from_url(
        cls, url: str, username: str | None, password: str | None, protocol: str = "5"
    ) -> BrokerAddress:
        u = urlparse(url)
        if u.scheme not in ("mqtt", "tcp", ""):
            raise ValueError(f"unsupported broker URL scheme {u.scheme!r} (use mqtt://host:port)")
        return cls(
            u.hostname or "127.0.0.1",
            u.port or 1883,
            u.username or username,
            u.password or password,
            protocol,
        )

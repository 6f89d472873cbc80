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
    #: TLS: the CA file that signed the broker's certificate (the system's CAs when "").
    #: None: plain TCP.
    ca_file: str | None = None

    @property
    def tls(self) -> bool:
        return self.ca_file is not None

    @classmethod
    def from_url(
        cls,
        url: str,
        username: str | None,
        password: str | None,
        protocol: str = "5",
        ca_file: str | None = None,
    ) -> BrokerAddress:
        """``mqtt://host:port`` or, encrypted and the broker's certificate checked,
        ``mqtts://host:port`` (then ``ca_file`` names the site's CA)."""
        u = urlparse(url)
        if u.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not u.hostname:
            # A typo (``mqtt//host``) must not fall back to a broker on this machine.
            raise ValueError(
                f"not a broker URL: {url!r} (use mqtt://host:port or mqtts://host:port)"
            )
        tls = u.scheme in ("mqtts", "ssl")
        if ca_file and not tls:
            raise ValueError(f"a CA file is given but {url} is not mqtts://: use mqtts://")
        return cls(
            u.hostname or "127.0.0.1",
            u.port or (8883 if tls else 1883),
            u.username or username,
            u.password or password,
            protocol,
            (ca_file or "") if tls else None,
        )

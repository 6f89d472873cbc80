"""Which refused connections retrying cannot fix, by numeric reason code.

paho hands ``on_connect`` an MQTT v5 reason code for both protocol versions (a v3.1.1
return code is translated first); a bare v3.1.1 return code is translated here the same
way, so one table decides.
"""

from __future__ import annotations

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

# MQTT v5 CONNACK reason codes that mean "these credentials or this client will never be
# let in": retrying only fills the broker's log (and may get the address banned).
FATAL: frozenset[int] = frozenset(
    {
        0x84,  # 132 unsupported protocol version
        0x85,  # 133 client identifier not valid
        0x86,  # 134 bad user name or password
        0x87,  # 135 not authorized
        0x8A,  # 138 banned
        0x8C,  # 140 bad authentication method
    }
)

# MQTT v3.1.1 CONNACK return codes and the v5 reason codes that say the same.
V3_RETURN_CODES: dict[int, int] = {
    0: 0x00,
    1: 0x84,  # unacceptable protocol version
    2: 0x85,  # identifier rejected
    3: 0x88,  # server unavailable
    4: 0x86,  # bad user name or password
    5: 0x87,  # not authorized
}


def reason_value(reason: object) -> int:
    """The v5 reason code of what paho handed ``on_connect`` (a ReasonCode, or a v3 int)."""
    if isinstance(reason, ReasonCode):
        return int(reason.value)
    if isinstance(reason, int):
        return V3_RETURN_CODES.get(reason, 0x80)
    return 0x80  # unspecified error


def is_fatal(reason: object) -> bool:
    return reason_value(reason) in FATAL


def describe(reason: object) -> str:
    """The broker's words for a reason code, in lower case ("bad user name or password")."""
    value = reason_value(reason)
    try:
        name = ReasonCode(PacketTypes.CONNACK, identifier=value).getName()
    except ValueError:
        name = f"reason code {value}"
    return name.lower()

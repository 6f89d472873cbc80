"""Secrets the site file keeps only as salted slow hashes (kiosk PINs): scrypt from the
standard library, in the same form as the boards' password hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

# scrypt's interactive-login cost (RFC 7914 §2): about 50 ms a check, so a kiosk checks a
# PIN at once while every guess at a stolen file costs the same.
_N, _R, _P = 2**14, 8, 1

HASH_FORM = re.compile(r"scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+")


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            secret.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=2**26,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def is_secret_hash(value: str) -> bool:
    return HASH_FORM.fullmatch(value) is not None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()

"""The kiosk screens' pairings in the audit log: a code made, wrong codes (and the one that
voids every open code), a screen paired, a pairing revoked; and a log that cannot be
written never undoes the pairing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.contract.pairing import Pairing, Refusal
from core.pairings import VOID_AFTER, Pairings

Line = tuple[str, str, dict[str, Any]]


def audited(tmp_path: Path) -> tuple[Pairings, list[Line]]:
    lines: list[Line] = []
    book = Pairings(
        tmp_path / "pairings.json",
        audit=lambda type_, source, **payload: lines.append((type_, source, payload)),
    )
    return book, lines


def test_the_wrong_code_that_voids_every_open_code_says_so(tmp_path: Path) -> None:
    book, lines = audited(tmp_path)
    code = book.new_code("B03", "foreman:F001").code
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for n in range(VOID_AFTER):  # each from its own address: no address waits
        assert isinstance(book.redeem(wrong, f"10.0.0.{n}", "tablet"), Refusal)
    assert isinstance(book.redeem(code, "10.0.1.1", "tablet"), Refusal)  # voided
    refused = [p for t, _, p in lines if t == "pairing.refused"]
    assert [p["voided"] for p in refused] == [False] * (VOID_AFTER - 1) + [True, False]
    assert lines[0] == ("pairing.code_made", "foreman:F001", {"bay": "B03"})
    assert code not in str(lines), "the code itself is never written down"


def test_a_log_that_cannot_be_written_does_not_undo_the_pairing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.errors_expected = True  # type: ignore[attr-defined]

    def broken(type_: str, source: str, **payload: Any) -> None:
        raise RuntimeError("database gone")

    book = Pairings(tmp_path / "pairings.json", audit=broken)
    code = book.new_code("B03", "foreman:F001").code
    paired = book.redeem(code, "10.0.0.9", "tablet")
    assert isinstance(paired, Pairing) and book.active(paired.id, "B03")
    assert book.revoke(paired.id, "foreman:F001")
    assert "the audit line pairing.paired could not be written" in caplog.text

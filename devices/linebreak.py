"""Measuring and breaking text for a receipt printer's fixed columns.

Width: in the printer's Chinese mode every character GB18030 encodes in more than one byte
is a full-width glyph, two columns — full-width punctuation, ``…``, ``·`` and ``—`` too,
which Unicode calls "ambiguous" and a terminal would draw narrow. ASCII is one column.

Breaking: a run of ASCII letters, digits and punctuation (``120km/h``, ``5W-30``, ``4.5L``)
is one word and moves to the next line whole; a Chinese character may end a line anywhere,
except that closing punctuation never starts a line and opening punctuation never ends one
(kinsoku, as in GB/T 15834 and the W3C's Chinese layout requirements). Only a word longer
than a whole line is broken."""

from __future__ import annotations

# Never at the start of a line.
CLOSING = frozenset(
    "）〕］｝〉》」』】〙〗〟’”｠»"  # closing brackets and quotes
    "、。，．：；！？‼⁇⁈⁉"  # full-width stops and commas
    "…‥—～·・ー々〃℃％‰°′″"  # ellipsis, dash, middle dot, marks that follow a word
    ")]}>,.:;!?%"
)
# Never at the end of a line.
OPENING = frozenset("（〔［｛〈《「『【〘〖〝‘“｟«([{<￥＄￡$£¥")


def width(text: str) -> int:
    """Columns ``text`` takes on the printer: 1 for ASCII, 2 for a Chinese-mode glyph."""
    return sum(1 if c.isascii() else 2 for c in text)


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isprintable() and not c.isspace()


def _units(text: str) -> list[str]:
    """ASCII words, single other characters, and single spaces, in order."""
    units: list[str] = []
    for c in text:
        if not c.isprintable() and not c.isspace():
            continue  # a control character would reach the printer as a command
        if _is_word_char(c) and units and _is_word_char(units[-1][-1]):
            units[-1] += c
        else:
            units.append(" " if c.isspace() else c)
    return units


def _clusters(units: list[str]) -> list[str]:
    """Units a line may not break between: closing marks join what they close, opening
    marks what they open. A space is a cluster of its own: a place to break."""
    clusters: list[str] = []
    for u in units:
        glued = (
            clusters
            and clusters[-1] != " "
            and u != " "
            and (u[0] in CLOSING or clusters[-1][-1] in OPENING)
        )
        if glued:
            clusters[-1] += u
        else:
            clusters.append(u)
    return clusters


def _hard_break(cluster: str, limit: int) -> list[str]:
    """A cluster longer than a line, cut into full lines (the last may be short); a cut
    moves back rather than start a line with a closing mark or end one with an opening."""
    pieces: list[str] = []
    start = 0
    while width(cluster[start:]) > limit:
        end = start + 1
        while width(cluster[start : end + 1]) <= limit:
            end += 1
        cut = end
        while cut > start + 1 and (cluster[cut] in CLOSING or cluster[cut - 1] in OPENING):
            cut -= 1
        pieces.append(cluster[start:cut])
        start = cut
    return [*pieces, cluster[start:]]


def _paragraph(text: str, limit: int) -> list[str]:
    lines: list[str] = []
    line = gap = ""
    for cluster in _clusters(_units(text)):
        if cluster == " ":
            gap = " " if line else ""
            continue
        if width(line + gap + cluster) <= limit:
            line += gap + cluster
        else:
            if line:
                lines.append(line)
            *full, line = _hard_break(cluster, limit)
            lines.extend(full)
        gap = ""
    return [*lines, line]


def wrap(text: str, limit: int) -> list[str]:
    """``text`` as lines of at most ``limit`` columns; line breaks in it are kept."""
    if limit < 2:
        raise ValueError("a line holds at least one Chinese character")
    return [
        line for paragraph in text.splitlines() or [""] for line in _paragraph(paragraph, limit)
    ]


def columns(left: str, right: str, limit: int) -> list[str]:
    """``left`` and ``right`` on one line, the gap filled with spaces; when they do not fit
    together ``left`` wraps and ``right`` goes to the right end of its last line, or below."""
    if not right:
        return wrap(left, limit)
    lines = wrap(left, limit) if left else [""]
    gap = limit - width(lines[-1]) - width(right)
    if gap >= 1 or (not lines[-1] and gap >= 0):
        return [*lines[:-1], lines[-1] + " " * gap + right]
    return [*lines, *(" " * (limit - width(r)) + r for r in wrap(right, limit))]

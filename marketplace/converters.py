"""The ``dbid`` path converter: an id the database can hold, or no URL match at all."""

from __future__ import annotations

#: The largest id any of our tables can store (a signed 64-bit integer: SQLite's INTEGER,
#: PostgreSQL's bigint). Larger numbers reach no row, and the database drivers reject them.
MAX_ID = 2**63 - 1


class DatabaseIdConverter:
    """A positive integer id within the database's range; anything else does not match (404).

    Bounding the id here rather than in each view keeps ``10**30`` away from the ORM:
    SQLite raises OverflowError for it, and lookups through a parent link (every Wagtail
    page subclass) do not get Django's own overflow guard for integer fields.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"id {value} is outside 1..{MAX_ID}")
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))

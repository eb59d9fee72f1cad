"""Which entries of the clustering window could be versions of a text: the text's sketch
(its shingle count and MOD sample, `near.sketch`) and the index of sample values a pass looks
candidates up in (cluster_postings and the window's sketch sizes, read once per batch and
then kept up to date by the batch's own entries). The pass itself, which compares the
candidates and joins clusters, is clusters.py.
"""

from __future__ import annotations

import json
import math
import sqlite3
import sys
from array import array
from collections import Counter
from dataclasses import dataclass

from newsreader.core.cluster import near
from newsreader.core.cluster.near import CONTAINMENT, KEEP_ALL_BELOW
from newsreader.core.store.schema import COMMON_SAMPLE

# Candidates compared exactly per entry, most shared sample values first: boilerplate (a
# station's footer) can make many entries share one value, and one story has few versions.
_CANDIDATES = 12
# A sample value more entries of the window share than this is boilerplate (a station's
# footer, "Die Polizei bittet Zeugen"), no sign of one story: it is left out of the lookup,
# which it would otherwise flood, and its row in cluster_postings keeps no ids.
_COMMON = COMMON_SAMPLE
# A sample's estimate of containment is kept loose: a sample of a few values is a rough one.
_LOOSE = CONTAINMENT * 0.75
# Entry ids in cluster_postings, as an array of C unsigned ints ("I"): 4 bytes wherever
# CPython runs.
ID_BYTES = 4


@dataclass(frozen=True, slots=True)
class Sketch:
    """What the lookup needs of a text: its shingle count and its sample. The sample values
    stay in their stored decimal form, as keys and in the JSON of the lookup: a batch's
    pending sketches then need no parsing into ints and no formatting back (which cost more
    than the lookups they serve)."""

    shingles: int
    sampled: int
    sample: list[str]
    stored: str  # the values joined by commas, as cluster_sketches keeps them


def sketch_of(plain: str) -> Sketch:
    """A plain text's sketch (`near.sketch`), its sample values in their stored form."""
    shingles, sampled, kept = near.sketch(plain)
    sample = list(map(str, kept))
    return Sketch(shingles, sampled, sample, ",".join(sample))


def feed_sketch(plain: str) -> tuple[int, int, str]:
    """An entry's sketch from its feed text without tags (`feed_text`), as a pass would make
    it of the stored columns (clusters.py's `_plain_text` without a page): shingle count,
    sample size, sample values for cluster_pending. Made by a refresh's worker before the
    write lock."""
    made = sketch_of(plain)
    return made.shingles, made.sampled, made.stored


class SampleIndex:
    """The window's entries that share a sample value with the batch, and their sizes, read
    in a few queries when the write lock is taken, then kept up to date as the batch's entries
    are added. Counting shared values per entry in SQL (a GROUP BY per new entry) cost more
    than the rest of the pass: the farm's entries share each pool sentence with dozens of
    others, so one lookup meets hundreds of rows, of which a handful pass."""

    def __init__(self, conn: sqlite3.Connection, values: str, carried: Sizes | None = None) -> None:
        cursor = conn.cursor()
        cursor.row_factory = None
        # Each value's entries (`values`: the batch's, a JSON array), or none for a value too
        # common to name a story (see _COMMON), which is left out and never counted. Values
        # come back as text, their form in the batch's sketches. The ids stay bytes
        # (fixed-width hex is one C call to bytes, and bytes to an array of ints another)
        # until a text counts them: parsing them as JSON cost more than all the SQL of the pass.
        pairs = cursor.execute(
            """SELECT CAST(hash AS TEXT), entry_ids FROM cluster_postings
               WHERE hash IN (SELECT value FROM json_each(?))""",
            (values,),
        ).fetchall()
        self._common: set[str] = {value for value, ids in pairs if ids is None}
        self._postings: dict[str, bytes] = {
            value: bytes.fromhex(ids) for value, ids in pairs if ids is not None
        }
        self.sizes = carried or read_sizes(
            cursor, set(unpacked_ids(b"".join(self._postings.values())))
        )
        self._need, self._short = self.sizes.need, self.sizes.short
        # An empty window asks for nothing until the batch adds to it (a default of 1 let
        # every entry a cold cache's first batch counted past `candidates`' floor).
        self._least_need = min(self._need.values(), default=sys.maxsize)
        # The batch's entries per sample value, common or not, for cluster_postings.
        self.added: dict[str, bytes] = {}

    def add(self, entry_id: int, text: Sketch) -> None:
        """A sketched entry of the batch, which the batch's later entries can meet."""
        self._need[entry_id] = need = _need(text.sampled)
        self._least_need = min(self._least_need, need)
        if text.shingles < KEEP_ALL_BELOW:
            self._short[entry_id] = text.shingles
        postings, common, added = self._postings, self._common, self.added
        packed = entry_id.to_bytes(ID_BYTES, "big")
        for value in text.sample:
            added[value] = added.get(value, b"") + packed
            if value not in common:
                ids = postings[value] = postings.get(value, b"") + packed
                if len(ids) > _COMMON * ID_BYTES:  # common now: out of the lookup from here on
                    del postings[value]
                    common.add(value)

    def candidates(self, text: Sketch, entry_id: int) -> list[int]:
        """The entries worth comparing exactly, most shared sample values first.

        When both texts kept every shingle the shared count is exact, and the shorter must be
        mostly contained. Otherwise it is the sample's estimate, kept loose (a teaser's sample
        holds a handful of values): `max(1, loose * min(a, b))` shared values, which is the
        smaller of the two sides' own needs, so passing either side's is enough."""
        shared = Counter(unpacked_ids(b"".join(filter(None, map(self._postings.get, text.sample)))))
        shared.pop(entry_id, None)
        own_all, own_need = text.shingles, _need(text.sampled)
        need, short = self._need, self._short
        if own_all < KEEP_ALL_BELOW and short:
            passing = [
                (-count, other)
                for other, count in shared.items()
                if other in need
                and (
                    count >= CONTAINMENT * min(short[other], own_all)
                    if other in short
                    else count >= own_need or count >= need[other]
                )
            ]
        else:
            # No entry asks for fewer than `floor`: most of the counted entries (the farm's
            # share a template sentence or two with hundreds) go at the first comparison.
            floor = min(own_need, self._least_need)
            # need.get: one lookup where `other in need` and need[other] took two.
            get, absent = need.get, math.inf
            passing = [
                (-count, other)
                for other, count in shared.items()
                if count >= floor
                and (count >= get(other, absent) or (count >= own_need and other in need))
            ]
        passing.sort()
        return [other for _, other in passing[:_CANDIDATES]]


@dataclass(frozen=True, slots=True)
class Sizes:
    """The window's sketches as a lookup needs them: per entry the shared values it asks for,
    and the shingle count of a short text; `whole` when every sketch of the table is in."""

    need: dict[int, int]
    short: dict[int, int]
    whole: bool
    version: int = 0  # the connection's data_version when they were the table's


def read_sizes(cursor: sqlite3.Cursor, seen: set[int]) -> Sizes:
    # Per entry the shared sample values its own size asks for (`_need`, in SQL), and
    # the shingle count of a short text, which is compared exactly; see `candidates`.
    # Ids and needs as fixed-width hex, like the postings. When the batch meets much of
    # the window (the farm's pool sentences: all of it), the whole table is read rather
    # than sought entry by entry; an entry not met costs nothing but a dict slot.
    total = cursor.execute("SELECT COUNT(*) FROM cluster_sketches").fetchone()[0]
    met = "" if 3 * len(seen) >= total else "WHERE entry_id IN (SELECT value FROM json_each(?))"
    entry_ids, needs, short_ids, short_sizes = cursor.execute(
        f"""SELECT group_concat(printf('%08x', entry_id), ''),
                   group_concat(printf('%08x', max(1, CAST(? * sampled AS INTEGER)
                                + (? * sampled > CAST(? * sampled AS INTEGER)))), ''),
                   json_group_array(entry_id) FILTER (WHERE shingles < ?),
                   json_group_array(shingles) FILTER (WHERE shingles < ?)
            FROM cluster_sketches {met}""",
        (_LOOSE, _LOOSE, _LOOSE, KEEP_ALL_BELOW, KEEP_ALL_BELOW)
        + ((json.dumps(list(seen)),) if met else ()),
    ).fetchone()
    need = dict(
        zip(
            unpacked_ids(bytes.fromhex(entry_ids or "")),
            unpacked_ids(bytes.fromhex(needs or "")),
            strict=True,
        )
    )
    short = dict(zip(json.loads(short_ids), json.loads(short_sizes), strict=True))
    return Sizes(need, short, whole=not met)


def unpacked_ids(packed: bytes) -> array[int]:
    """Entry ids from cluster_postings' form: 4 bytes each, most significant first."""
    ids = array("I", packed)
    if sys.byteorder == "little":
        ids.byteswap()
    return ids


def _need(sampled: int) -> int:
    """How many shared sample values a text of this sample size asks for at least."""
    return max(1, math.ceil(_LOOSE * sampled))

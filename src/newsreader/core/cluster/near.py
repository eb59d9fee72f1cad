"""Near-duplicate texts: word shingles, a consistent sample for lookup, an exact check.

The method is Broder's ("On the resemblance and containment of documents", 1997): a text is
the set of its word 4-grams; two texts are versions of one story when most shingles of the
shorter one occur in the longer one (containment, not resemblance, because a teaser or a cut
reprint is a part of the full text). For lookup each text keeps a *consistent* sample of its
shingles, those whose hash is 0 modulo 16 (Broder's MOD_m sketch): when one text is contained
in another, so is its sample, so a shared sample value names a candidate, and the candidates
are then compared exactly on their full shingle sets. Short texts keep every shingle, so two
teasers meet even when a sample would be empty. Our own ~100 lines instead of `datasketch`:
that library needs numpy in the refresh processes, and MinHash's permutations cost 64 hash
passes per text where this costs one.

Template texts (two police reports from one station, the bench farm's items) share their
skeleton but not the names, places and numbers filled in. Containment alone does not part
them (two real-looking reports of one template share 57% of their 4-grams), so two checks
follow: where the texts differ (an editor changes a few stretches, a template many), and
whether the shorter text's numbers occur in the longer.
"""

from __future__ import annotations

import re
import struct
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress, filterfalse

_SAMPLE_MOD = 16
# Below this many shingles a text keeps them all as its sample (a teaser has 20-40).
KEEP_ALL_BELOW = 64
# Fewer shingles than this are too little evidence to call two texts one story.
MIN_SHINGLES = 8
CONTAINMENT = 0.6
# Of the numbers in the shorter text (dates, times, ages, sums) at most this share may be
# missing from the longer one: reprints keep them, template stories fill in their own.
NUMBERS_KEPT = 0.5

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class StoryText:
    """What the comparison needs of one text: its shingles and the numbers it mentions."""

    shingles: frozenset[int]
    sequence: tuple[int, ...] = ()  # the shingles in text order, for `_edited_stretches`
    sample: tuple[int, ...] = ()  # the shingles kept for lookup (see the module docstring)
    sampled: int = 0  # how many shingles the MOD sample holds, whether or not all are kept
    words: list[bytes] | list[str] = field(default_factory=list, repr=False, compare=False)

    @cached_property
    def numbers(self) -> frozenset[str]:
        """The words that are not all letters (dates, times, ages, sums): asked only of a text
        with a candidate, which most of a pass's texts never have."""
        return frozenset(filterfalse(str.isalpha, _decoded(self.words)))


def story_text(text: str) -> StoryText:
    """Shingle a plain text. Word ids are CRC-32s of the words' UTF-8, the same in every
    process (Python's str hash is salted per process); a 4-gram's hash is the tuple hash of
    those ints, which is not salted. Every step but the sample's is a C-level map or
    translation: this runs on each new entry of a refresh."""
    words = _word_keys(text)
    sequence = tuple(_shingles(words))
    shingles = frozenset(sequence)
    sampled, sample = _sampled(shingles)
    return StoryText(shingles, sequence, tuple(sample), sampled, words)


def sketch(text: str) -> tuple[int, int, list[int]]:
    """What the lookup keeps of a text (`story_text`'s shingle count, sample size and sample)
    without what only a comparison needs: the shingles in text order, their set kept, the
    words. A refresh's worker makes this of every new entry and compares none."""
    shingles = set(_shingles(_word_keys(text)))
    return (len(shingles), *_sampled(shingles))


def _shingles(words: list[bytes] | list[str]) -> Iterator[int]:
    """The hashes of the text's word 4-grams, in text order (the four slices are the 4)."""
    ids = list(map(_WORD_IDS.__getitem__, words))
    return map(hash, zip(ids, ids[1:], ids[2:], ids[3:], strict=False))


def _sampled(shingles: set[int] | frozenset[int]) -> tuple[int, list[int]]:
    """How many shingles the MOD sample holds, and the sample kept for lookup (all shingles
    of a short text)."""
    # h % 16 == 0 when the low byte of h's two's complement is 0 modulo 16. Packed as C
    # ssize_t (a hash's width) in one call, the low bytes sliced and translated to 1 where that
    # holds, 0 elsewhere, pick the sample: `h % 16` per shingle (a multi-digit modulo, a sign
    # correction, a bytecode loop) made a farm item's sketch 745k instructions, this 709k.
    listed = list(shingles)  # walked twice: a set's sparse table costs more per walk
    low_bytes = struct.pack(f"{len(listed)}n", *listed)[_LOW_BYTES]
    modded = list(compress(listed, low_bytes.translate(_SAMPLED_LOW_BYTE)))
    return len(modded), listed if len(listed) < KEEP_ALL_BELOW else modded


_HASH_BYTES = struct.calcsize("n")
_LOW_BYTES = slice(0 if sys.byteorder == "little" else _HASH_BYTES - 1, None, _HASH_BYTES)
_SAMPLED_LOW_BYTE = bytes(low % _SAMPLE_MOD == 0 for low in range(256))  # 16 divides 256


def text_words(text: str) -> list[str]:
    """The lower-cased runs of word characters, exactly what `\\w+` finds."""
    return _decoded(_word_keys(text))


def _decoded(words: list[bytes] | list[str]) -> list[str]:
    return [word.decode("latin-1") if isinstance(word, bytes) else word for word in words]


def _word_keys(text: str) -> list[bytes] | list[str]:
    """The words of `text_words`, as Latin-1 bytes when the text is Latin-1 (German is, once
    its quotes and dashes are spaces): one byte-table pass lowers the letters and makes every
    character that is no word's a space, and bytes.split cuts. The regex tests each
    character's Unicode class; lowering, translating and splitting as str took twice the
    instructions of this (0.28 M against 0.12 M for a farm item). Other scripts, an emoji:
    the regex, and str words."""
    if not text.isascii():
        for mark in _MARKS:
            text = text.replace(mark, " ")
    try:
        latin = text.encode("latin-1")
    except UnicodeEncodeError:
        return _WORD.findall(text.lower())
    return latin.translate(_LOWER_WORDS).split()


# Every Latin-1 character but letters, digits and "_" separates words, as in `\\w`; letters
# become their lower case (str.lower keeps every Latin-1 letter in Latin-1, one for one).
_LOWER_WORDS = bytes(
    ord(chr(c).lower()) if chr(c).isalnum() or chr(c) == "_" else ord(" ") for c in range(256)
)
# Punctuation of German text beyond Latin-1, none of it part of a word.
_MARKS = "„“”‚‘’–—…•€"


class _WordIds(dict[bytes | str, int]):
    """A word's CRC-32, remembered: a refresh's texts share most of their words, and a
    dict lookup costs less than encoding and checksumming the word again. The CRC is of the
    word's UTF-8 whichever form it comes in, so stored samples stay comparable."""

    def __missing__(self, word: bytes | str) -> int:
        if len(self) >= _WORD_IDS_KEPT:
            self.clear()
        utf8 = word.decode("latin-1").encode() if isinstance(word, bytes) else word.encode()
        word_id = self[word] = zlib.crc32(utf8)
        return word_id


_WORD_IDS_KEPT = 50_000  # at most ~7 MB; then it starts again
_WORD_IDS = _WordIds()


def same_story(a: StoryText, b: StoryText) -> bool:
    """Whether two texts are versions of one story: most of the shorter in the longer."""
    short, long = (a, b) if len(a.shingles) <= len(b.shingles) else (b, a)
    if len(short.shingles) < MIN_SHINGLES:
        return False
    shared = len(short.shingles & long.shingles)
    if shared < MIN_SHINGLES or shared < CONTAINMENT * len(short.shingles):
        return False
    if _edited_stretches(short.sequence, long.shingles) > 3 + len(short.sequence) // 50:
        return False
    # A price in a paywall line or a phone number in a credit line is one or two numbers.
    missing = len(short.numbers - long.numbers)
    return missing < 3 or missing <= NUMBERS_KEPT * len(short.numbers)


def _edited_stretches(sequence: tuple[int, ...], other: frozenset[int]) -> int:
    """How many separate stretches of the text the other lacks. An editor changes a text in a
    few places (the first sentence, the end, a credit line); a template story differs at every
    filled-in slot, so its differences are many short stretches, however much it shares."""
    stretches, inside = 0, False
    for shingle in sequence:
        if shingle in other:
            inside = False
        elif not inside:
            stretches, inside = stretches + 1, True
    return stretches


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a story, as the choice of the best one sees it."""

    entry_id: int
    full_text: bool  # the page's text, or a feed body long enough to be the article
    paywalled: bool
    published: float
    length: int


def best_first(versions: Iterable[Version]) -> list[Version]:
    """Full text over teaser, free over paywalled, the earliest (the original source, which
    reprints follow) over later ones, then the longer text."""
    return sorted(
        versions,
        key=lambda v: (not v.full_text, v.paywalled, v.published, -v.length, v.entry_id),
    )

"""A worker gives back between jobs what a batch took (glibc's malloc; elsewhere nothing).

A worker's resident size is what its heap ever reached: glibc keeps what Python frees in
holes between blocks still in use, and a refresh measures the whole process tree. Two
settings keep a worker near what it holds rather than what it once held:
- blocks from BIG_BLOCK up (a batch's feed bodies, ~100 KB each on the farm) are mapped on
  their own and unmapped when freed: each body is given back once parsed, not left as a hole.
  glibc's own threshold starts at 128 KB but rises to the largest block freed, after which
  the bodies of the next batches landed in the heap;
- after each job, `malloc_trim` hands the free pages inside the heap back.
Both cost page faults when the memory is used again, about 1 % of a worker's CPU. A block
of that size allocated per call is mapped per call: packing an entry's text asks ISA-L for a
working buffer below BIG_BLOCK (store/packed_text.py), its default one (276 KiB) cost a third
of the packing in page faults.
Worker-only: the refreshing process imports nothing of this (nor ctypes).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

BIG_BLOCK = 96 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def hold_only_what_is_used() -> Callable[[], None]:
    """Set the mapping threshold; the function to call after each job."""
    try:
        libc = ctypes.CDLL(None)
        mallopt, malloc_trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): leave its malloc be
        return lambda: None
    mallopt(_M_MMAP_THRESHOLD, BIG_BLOCK)

    def give_back() -> None:
        malloc_trim(0)

    return give_back

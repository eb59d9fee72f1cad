"""The radio feed's audio pieces: a few seconds of a soft tone, made here as WAV.

A sample edition must not ship recordings or fetch any; a tone is enough to show that `e`
hands the enclosure to a player, which streams it from the loopback server.
"""

from __future__ import annotations

import io
import math
import wave

RATE = 8000


def audio_path(slug: str) -> str:
    return f"/audio/{slug}.wav"


def wav_size(seconds: int) -> int:
    """What tone_wav(seconds) weighs: the feed says it without making the sound."""
    return 44 + seconds * RATE  # the RIFF header of plain PCM, then one byte a frame


def tone_wav(seconds: int, *, pitch: float = 440.0) -> bytes:
    """8 kHz mono 8-bit: small (8 KB a second), and any player reads it."""
    frames = bytearray()
    total = seconds * RATE
    for n in range(total):
        # half a second of fade at each end, so the tone does not click
        fade = min(1.0, n / (RATE / 2), (total - n) / (RATE / 2))
        frames.append(128 + int(40 * fade * math.sin(2 * math.pi * pitch * n / RATE)))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(RATE)
        wav.writeframes(bytes(frames))
    return out.getvalue()

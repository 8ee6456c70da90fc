"""Write the wall's red-alert tone, assets/alert-red.wav: two short beeps (880 Hz, then 660 Hz),
0.6 s of 8-bit mono at 16 kHz (about 10 KB), made here so the product ships no sound it cannot
rebuild.

    python scripts/alert_sound.py
"""

from __future__ import annotations

import math
import wave
from pathlib import Path

RATE = 16_000
BEEPS = ((880.0, 0.25), (0.0, 0.08), (660.0, 0.27))     # (Hz, seconds); 0 Hz is silence
FADE_S = 0.01                                          # ramps at each end, so the beeps do not click
TARGET = Path(__file__).resolve().parents[1] / "assets" / "alert-red.wav"


def samples() -> bytes:
    """Return the tone as unsigned 8-bit samples."""
    out = bytearray()
    for hz, seconds in BEEPS:
        count = int(RATE * seconds)
        for i in range(count):
            ramp = min(1.0, i / (RATE * FADE_S), (count - i) / (RATE * FADE_S))
            level = 0.6 * ramp * math.sin(2 * math.pi * hz * i / RATE) if hz else 0.0
            out.append(128 + round(127 * level))
    return bytes(out)


def main() -> None:
    with wave.open(str(TARGET), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(1)
        sound.setframerate(RATE)
        sound.writeframes(samples())
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

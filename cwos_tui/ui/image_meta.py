"""What an image's first bytes say about it: format, width × height, colour mode and bit depth.

Our own small header parser for PNG, JPEG, GIF, WebP and BMP (no imaging library): a preview shows
this above the hex dump instead of leaving the user to read magic numbers. Every parser works on a
prefix of the file and returns None when the bytes are not (enough of) that format.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import NamedTuple


class ImageInfo(NamedTuple):
    format: str
    width: int
    height: int
    mode: str = ""  # colour mode and depth, as far as the header says
    extra: str = ""  # interlaced, progressive, animated…

    def describe(self) -> str:
        parts = [f"{self.format} image", f"{self.width:,} × {self.height:,} px"]
        return ", ".join(parts + [p for p in (self.mode, self.extra) if p])


_PNG_COLOURS = {0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale + alpha", 6: "RGBA"}
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _png(data: bytes) -> ImageInfo | None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 29 or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    name = _PNG_COLOURS.get(colour, f"colour type {colour}")
    bits = depth if colour == 3 else depth * _PNG_CHANNELS.get(colour, 1)
    mode = f"{name}, {depth}-bit palette" if colour == 3 else f"{name}, {depth} bits per channel ({bits} bpp)"
    extra = ", ".join(w for w, on in (("animated (APNG)", b"acTL" in data[:4096]), ("interlaced", interlace == 1))
                      if on)
    return ImageInfo("PNG", width, height, mode, extra)


def _gif(data: bytes) -> ImageInfo | None:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 11:
        return None
    width, height, packed = struct.unpack("<HHB", data[6:11])
    mode = f"palette, up to {2 ** ((packed & 7) + 1)} colours" if packed & 0x80 else "palette"
    frames = data.count(b"\x00\x21\xf9\x04")
    return ImageInfo("GIF", width, height, mode, f"{data[3:6].decode()}" + (", animated" if frames > 1 else ""))


_JPEG_COMPONENTS = {1: "greyscale", 3: "YCbCr (colour)", 4: "CMYK"}
_SOF = {0xC0: "baseline", 0xC1: "extended", 0xC2: "progressive", 0xC3: "lossless"} | {
    m: "" for m in (0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)}


def _jpeg(data: bytes) -> ImageInfo | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in _SOF and at + 10 <= len(data):
            depth, height, width, components = struct.unpack(">BHHB", data[at + 4 : at + 10])
            mode = f"{_JPEG_COMPONENTS.get(components, f'{components} components')}, {depth} bits per channel"
            return ImageInfo("JPEG", width, height, mode, _SOF[marker])
        if marker == 0xDA or length < 2:
            return None  # image data before any frame header: not one we can read
        at += 2 + length
    return None


def _webp(data: bytes) -> ImageInfo | None:
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        flags = data[20]
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        extra = ", ".join(w for w, bit in (("alpha", 0x10), ("animated", 0x02)) if flags & bit)
        return ImageInfo("WebP", width, height, "extended (VP8X)", extra)
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("WebP", width & 0x3FFF, height & 0x3FFF, "lossy (VP8), YUV 4:2:0")
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        alpha = "RGBA" if bits >> 28 & 1 else "RGB"
        return ImageInfo("WebP", (bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1, f"lossless (VP8L), {alpha}")
    return None


def _bmp(data: bytes) -> ImageInfo | None:
    if len(data) < 30 or data[:2] != b"BM":
        return None
    header = struct.unpack("<I", data[14:18])[0]
    if header == 12:  # OS/2 BITMAPCOREHEADER
        width, height, _, depth = struct.unpack("<HHHH", data[18:26])
        return ImageInfo("BMP", width, height, f"{depth} bits per pixel")
    if header < 40:
        return None
    width, height, _, depth = struct.unpack("<iiHH", data[18:30])
    return ImageInfo("BMP", width, abs(height), f"{depth} bits per pixel", "top-down" if height < 0 else "")


_PARSERS: tuple[Callable[[bytes], ImageInfo | None], ...] = (_png, _jpeg, _gif, _webp, _bmp)


def image_info(data: bytes) -> ImageInfo | None:
    """The image these bytes start, or None (not an image we know, or too few bytes to tell)."""
    for parse in _PARSERS:
        try:
            found = parse(data)
        except (struct.error, IndexError, ValueError):
            found = None
        if found is not None:
            return found
    return None

"""Image files for loadImage's tests, and what they hold: each op writes one file (Pillow's encoders, or a plain
PNG writer below for what Pillow cannot write: 16-bit colour, 1/2/4-bit grey, Adam7 interlacing) and returns the
values a reader must get, as `[1, C, H, W]` in [0, 1] for every mode (torchvision's ImageReadMode names):

    {"op": "image_png", "tensors": {}, "options": {"path": ..., "kind": "rgba", "height": 5, "width": 7, "seed": 1}}
    → {"outputs": {"unchanged": ..., "gray": ..., "rgb": ..., "rgba": ...}}

Expected values: Pillow's decoding of the file for 8-bit PNGs and for JPEGs (libjpeg: a JS decoder differs by
rounding, so the test compares within a tolerance); the written samples themselves for the plain writer's files,
checked here against Pillow's decoding wherever Pillow keeps the depth. Grey from colour is torchvision's
rgb_to_grayscale, 0.2989·R + 0.587·G + 0.114·B, on the [0, 1] values. Merged into oracle.py's OPS.
"""
import struct
import zlib

import numpy
import torch


def _pillow():
    """Pillow, imported on first use: oracle.py merges this module for every differential test, and only the
    image tests need it (kernel/scripts/requirements-test.txt)."""
    from PIL import Image
    return Image

GRAY_WEIGHTS = (0.2989, 0.587, 0.114)


def _modes(planes, colour, alpha):
    """Every mode from the file's own channels, `planes` = [C, H, W] float64 in [0, 1]."""
    c = planes.shape[0]
    grey = (sum(w * planes[i] for i, w in enumerate(GRAY_WEIGHTS)) if colour else planes[0])[None]
    rgb = planes[:3] if colour else numpy.repeat(planes[:1], 3, axis=0)
    opaque = planes[c - 1:c] if alpha else numpy.ones_like(planes[:1])
    out = {"unchanged": planes, "gray": grey, "rgb": rgb, "rgba": numpy.concatenate([rgb, opaque])}
    return {name: torch.from_numpy(numpy.ascontiguousarray(v))[None] for name, v in out.items()}


def _samples(o, channels, depth=8):
    """A seeded image, [H, W, C] of integers below 2**depth: a gradient with noise, so the whole range and
    neighbouring values that differ both appear."""
    rng = numpy.random.default_rng(o.get("seed", 0))
    h, w = o["height"], o["width"]
    top = 2 ** depth - 1
    ramp = numpy.add.outer(numpy.arange(h) / max(h - 1, 1), numpy.arange(w) / max(w - 1, 1))[..., None] / 2
    noise = rng.integers(0, top + 1, size=(h, w, channels))
    mixed = numpy.where(rng.random((h, w, channels)) < 0.5, numpy.round(ramp * top), noise)
    return mixed.astype(numpy.uint16 if depth > 8 else numpy.uint8)


# ── A plain PNG writer: filter 0 on every row, one IDAT, optional Adam7 interlacing.

# Adam7's seven passes: (first column, first row, column step, row step).
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _rows(samples, depth):
    """Filter byte 0, then each row packed at `depth` bits a sample (big-endian, padded to a byte)."""
    out = b""
    for row in samples.reshape(samples.shape[0], -1):
        if depth == 16:
            packed = row.astype(">u2").tobytes()
        elif depth == 8:
            packed = row.astype(numpy.uint8).tobytes()
        else:
            bits = numpy.unpackbits(row.astype(numpy.uint8)[:, None], axis=1)[:, 8 - depth:]
            packed = numpy.packbits(bits.flatten()).tobytes()
        out += b"\0" + packed
    return out


def png_bytes(samples, depth, interlace=False):
    h, w, c = samples.shape
    header = struct.pack(">IIBBBBB", w, h, depth, COLOR_TYPES[c], 0, 0, 1 if interlace else 0)
    if interlace:
        raw = b"".join(_rows(samples[y0::dy, x0::dx], depth) for x0, y0, dx, dy in ADAM7
                       if samples[y0::dy, x0::dx].size)
    else:
        raw = _rows(samples, depth)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw))
            + _chunk(b"IEND", b""))


def image_plain_png(t, o):
    """options: path, height, width, seed, channels (1–4), depth (1, 2, 4, 8, 16), interlace."""
    Image = _pillow()
    channels, depth = o["channels"], o.get("depth", 8)
    samples = _samples(o, channels, depth)
    with open(o["path"], "wb") as f:
        f.write(png_bytes(samples, depth, o.get("interlace", False)))
    # Pillow reads 8-bit files, and 16-bit grey, at their depth: they must agree with what was written.
    if depth == 8 or (depth == 16 and channels == 1):
        read = numpy.asarray(Image.open(o["path"]))
        assert numpy.array_equal(read.reshape(samples.shape).astype(numpy.int64), samples.astype(numpy.int64)), \
            "Pillow reads the plain PNG writer's file differently"
    planes = samples.transpose(2, 0, 1).astype(numpy.float64) / (2 ** depth - 1)
    return _modes(planes, channels >= 3, channels in (2, 4))


PILLOW_MODES = {"gray": "L", "gray_alpha": "LA", "rgb": "RGB", "rgba": "RGBA"}


def image_png(t, o):
    """Pillow's PNG encoder. options: path, height, width, seed, kind: gray, gray_alpha, rgb, rgba, gray16,
    palette, palette_alpha (a tRNS chunk: one alpha a palette entry), gray_key, rgb_key (a tRNS chunk naming the
    first pixel's value as transparent: ignored, as torchvision ignores it, so the values stay)."""
    Image = _pillow()
    kind = o["kind"]
    rng = numpy.random.default_rng(o.get("seed", 0) + 1000)
    if kind.startswith("palette"):
        index = rng.integers(0, 16, size=(o["height"], o["width"])).astype(numpy.uint8)
        image = Image.fromarray(index, "P")
        image.putpalette(rng.integers(0, 256, size=16 * 3).astype(numpy.uint8).tobytes())
        extra = {"transparency": rng.integers(0, 256, size=16).astype(numpy.uint8).tobytes()} \
            if kind == "palette_alpha" else {}
        image.save(o["path"], format="PNG", **extra)
        read = Image.open(o["path"])
        decoded = read.convert("RGBA" if extra else "RGB")
        colour, alpha, top = True, bool(extra), 255
    elif kind == "gray16":
        Image.fromarray(_samples(o, 1, 16)[..., 0]).save(o["path"], format="PNG")
        decoded = Image.open(o["path"])
        colour, alpha, top = False, False, 65535
    else:
        key = kind.endswith("_key")
        mode = PILLOW_MODES[kind.removesuffix("_key")]
        samples = _samples(o, len(mode))[..., 0] if mode == "L" else _samples(o, len(mode))
        extra = {"transparency": int(samples[0, 0]) if mode == "L" else tuple(int(v) for v in samples[0, 0])} \
            if key else {}
        Image.fromarray(samples, mode).save(o["path"], format="PNG", **extra)
        decoded = Image.open(o["path"])
        assert not key or "transparency" in decoded.info, "Pillow wrote no tRNS chunk"
        colour, alpha, top = mode in ("RGB", "RGBA"), mode in ("LA", "RGBA"), 255
    values = numpy.asarray(decoded).astype(numpy.float64) / top
    planes = values[None] if values.ndim == 2 else values.transpose(2, 0, 1)
    return _modes(planes, colour, alpha)


def image_jpeg(t, o):
    """Pillow's JPEG encoder (libjpeg). options: path, height, width, seed, gray, quality, progressive,
    subsampling (0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0)."""
    Image = _pillow()
    gray = o.get("gray", False)
    samples = _samples(o, 1 if gray else 3)
    image = Image.fromarray(samples[..., 0] if gray else samples, "L" if gray else "RGB")
    extra = {} if gray else {"subsampling": o.get("subsampling", 2)}
    image.save(o["path"], format="JPEG", quality=o.get("quality", 90), progressive=o.get("progressive", False),
               **extra)
    values = numpy.asarray(Image.open(o["path"])).astype(numpy.float64) / 255
    planes = values[None] if gray else values.transpose(2, 0, 1)
    return _modes(planes, not gray, False)


def image_read(t, o):
    """Pillow's decoding of an existing 8-bit grey or RGB file (options: path), e.g. the notebooks' images."""
    Image = _pillow()
    image = Image.open(o["path"])
    assert image.mode in ("L", "RGB"), f"image_read reads 8-bit grey or RGB files, not {image.mode}"
    values = numpy.asarray(image).astype(numpy.float64) / 255
    return _modes(values[None] if image.mode == "L" else values.transpose(2, 0, 1), image.mode == "RGB", False)


OPS = {
    "image_read": image_read,
    "image_png": image_png,
    "image_plain_png": image_plain_png,
    "image_jpeg": image_jpeg,
}

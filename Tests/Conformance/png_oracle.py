#!/usr/bin/env python3
"""Label-mask PNGs as datasets ship them, written by Pillow and OpenCV in every way they can write one,
with the values that were written.

Usage: png_oracle.py OUTDIR. Writes OUTDIR/files/NAME.png and OUTDIR/files/NAME.bin (the values,
uint16 little-endian, row-major) plus OUTDIR/files.json [{name, width, height}].
"""
import json
import os
import sys

import cv2
import numpy as np
from PIL import Image, PngImagePlugin


def blobs(rng, h, w, k):
    """A label map with regions (runs and rectangles) plus salt noise: what masks look like."""
    a = np.zeros((h, w), dtype=np.int64)
    for _ in range(max(1, (h * w) // 400)):
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        y1, x1 = min(h, y0 + rng.integers(1, 40)), min(w, x0 + rng.integers(1, 60))
        a[y0:y1, x0:x1] = rng.integers(0, k)
    noise = rng.random((h, w)) < 0.01
    a[noise] = rng.integers(0, k, size=int(noise.sum()))
    return a


def gray8(a):
    return Image.frombytes("L", (a.shape[1], a.shape[0]), a.astype(np.uint8).tobytes())


def main():
    out = sys.argv[1]
    files = os.path.join(out, "files")
    os.makedirs(files, exist_ok=True)
    rng = np.random.default_rng(20261129)
    entries = []

    def emit(name, arr, writer):
        path = os.path.join(files, name + ".png")
        writer(path)
        arr.astype("<u2").tofile(os.path.join(files, name + ".bin"))
        entries.append({"name": name, "width": int(arr.shape[1]), "height": int(arr.shape[0])})

    sizes = [(1, 1), (5, 3), (9, 17), (48, 64), (77, 333), (16, 1024), (240, 320)]
    palette = [v for i in range(256) for v in ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)]
    for (h, w) in sizes:
        tag = f"{w}x{h}"
        a8 = blobs(rng, h, w, 200).astype(np.uint8)
        for level in range(10):
            emit(f"pil_L_{tag}_z{level}", a8, lambda p, a=a8, l=level: gray8(a).save(p, compress_level=l))
        emit(f"pil_L_{tag}_opt", a8, lambda p, a=a8: gray8(a).save(p, optimize=True))
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "mask with text chunks")
        info.add_itxt("Description", "zTXt-like compressed text", zip=True)
        emit(f"pil_L_{tag}_text", a8, lambda p, a=a8, i=info: gray8(a).save(p, pnginfo=i, dpi=(72, 72)))
        emit(f"pil_L_{tag}_trns", a8, lambda p, a=a8: gray8(a).save(p, transparency=0))

        for bits, k in ((1, 2), (2, 4), (4, 16), (8, 256)):
            ap = blobs(rng, h, w, k).astype(np.uint8)

            def write_p(p, a=ap, b=bits, k=k):
                im = Image.frombytes("P", (a.shape[1], a.shape[0]), a.tobytes())
                im.putpalette(palette[: 3 * k])
                im.save(p, bits=b, transparency=bytes([255] * (k - 1) + [0]))

            emit(f"pil_P{bits}_{tag}", ap, write_p)
        a1 = blobs(rng, h, w, 2).astype(np.uint8)
        emit(f"pil_1bit_{tag}", a1, lambda p, a=a1: gray8((a * 255).astype(np.uint8)).convert("1", dither=Image.Dither.NONE).save(p))

        a16 = blobs(rng, h, w, 4000).astype(np.uint16)
        a16[0, 0] = 65535
        emit(f"pil_I16_{tag}", a16, lambda p, a=a16: Image.frombytes("I;16", (a.shape[1], a.shape[0]), a.astype("<u2").tobytes()).save(p))
        for level in (0, 1, 3, 6, 9):
            emit(f"cv2_u8_{tag}_z{level}", a8, lambda p, a=a8, l=level: cv2.imwrite(p, a, [cv2.IMWRITE_PNG_COMPRESSION, l]))
            emit(f"cv2_u16_{tag}_z{level}", a16, lambda p, a=a16, l=level: cv2.imwrite(p, a, [cv2.IMWRITE_PNG_COMPRESSION, l]))
        for strategy in ("FILTERED", "HUFFMAN_ONLY", "RLE", "FIXED"):
            s = getattr(cv2, "IMWRITE_PNG_STRATEGY_" + strategy)
            emit(f"cv2_u8_{tag}_{strategy.lower()}", a8, lambda p, a=a8, s=s: cv2.imwrite(p, a, [cv2.IMWRITE_PNG_STRATEGY, s]))
        emit(f"cv2_bilevel_{tag}", a1, lambda p, a=a1: cv2.imwrite(p, a, [cv2.IMWRITE_PNG_BILEVEL, 1]))

    with open(os.path.join(out, "files.json"), "w") as f:
        json.dump(entries, f)


if __name__ == "__main__":
    main()

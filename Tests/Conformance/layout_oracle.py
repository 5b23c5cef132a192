#!/usr/bin/env python3
"""A dataset laid out as users lay it out, with the numbers mmseg would give for it.

Usage: layout_oracle.py OUTDIR. Writes OUTDIR/work/ds (images/ + masks/ + classes.txt, 16-bit masks
with stray values 40000 and 65535 in the ground truth) and OUTDIR/elsewhere/preds (16-bit
predictions, with stray values too), and OUTDIR/expected.json: mmseg's IoUMetric on them (the numpy
transcription in semantic_oracle.py), K = the class map's 6 classes.
"""
import json
import os
import struct
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from semantic_oracle import clean, mmseg_metrics  # noqa: E402


def png(path, a, bits):
    h, w = a.shape
    dtype = ">u2" if bits == 16 else "u1"
    raw = b"".join(b"\0" + a[y].astype(dtype).tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    # bits 0: an RGB photo whose rows are w * 3 bytes wide.
    ctype = 0 if bits else 2
    width = w if bits else w // 3
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, h, bits or 8, ctype, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(20261129)
    ds = os.path.join(out, "work", "ds")
    preds = os.path.join(out, "elsewhere", "preds")
    for d in [os.path.join(ds, "images"), os.path.join(ds, "masks"), preds, os.path.join(out, "work", "sub")]:
        os.makedirs(d, exist_ok=True)
    k = 6
    with open(os.path.join(ds, "classes.txt"), "w") as f:
        f.write("\n".join(["background", "road", "car", "person", "tree", "sky"]) + "\n")
    pairs = []
    for i in range(8):
        h, w = int(rng.integers(20, 40)), int(rng.integers(20, 50))
        gt = rng.integers(0, k, size=(h, w))
        gt[rng.random((h, w)) < 0.05] = 255
        pred = np.where(rng.random((h, w)) < 0.7, np.minimum(gt, k - 1), rng.integers(0, k, size=(h, w)))
        if i == 2:
            gt[0, 0] = 40000
            gt[1, 1] = 65535
            pred[2, 2] = 40000
            pred[3, 3] = 65535
        rgb = rng.integers(0, 255, size=(h, w * 3)).astype(np.uint8)
        png(os.path.join(ds, "images", f"img_{i:03d}.png"), rgb, 0)
        png(os.path.join(ds, "masks", f"img_{i:03d}.png"), gt, 16)
        png(os.path.join(preds, f"img_{i:03d}.png"), pred, 16)
        pairs.append((gt.astype(np.int64), pred.astype(np.int64)))
    mm = mmseg_metrics(pairs, k, 255)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({key: clean(v) for key, v in mm.items()}, f)


if __name__ == "__main__":
    main()

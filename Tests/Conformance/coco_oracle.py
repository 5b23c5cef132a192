#!/usr/bin/env python3
"""pycocotools reference for COCO RLE: polygon rasterization (frPyObjects + merge, as annToRLE does),
compressed RLE strings of random masks, uncompressed-to-compressed conversion, and areas.
Usage: coco_oracle.py OUTDIR [SEED]."""
import json
import os
import sys

import numpy as np
from pycocotools import mask as mask_utils


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    polys = []
    for t in range(200):
        h, w = int(rng.integers(1, 70)), int(rng.integers(1, 70))
        parts = []
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(3, 9))
            if t % 7 == 0:  # points outside the image and negative coordinates
                pts = rng.uniform(-10, max(h, w) + 10, size=2 * k)
            elif t % 11 == 0:  # integer vertices, repeated points
                pts = rng.integers(0, max(2, min(h, w)), size=2 * k).astype(float)
                pts[2:4] = pts[0:2]
            else:
                cx, cy = rng.uniform(0, w), rng.uniform(0, h)
                ang = np.sort(rng.uniform(0, 2 * np.pi, size=k))
                rad = rng.uniform(0.5, max(h, w) / 2, size=k)
                pts = np.empty(2 * k)
                pts[0::2] = cx + rad * np.cos(ang)
                pts[1::2] = cy + rad * np.sin(ang)
            parts.append([float(v) for v in pts])
        rles = mask_utils.frPyObjects(parts, h, w)
        rle = mask_utils.merge(rles)
        polys.append({"h": h, "w": w, "parts": parts, "counts": rle["counts"].decode(), "area": int(mask_utils.area(rle))})
    masks = []
    for t in range(60):
        h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        m = (rng.random((h, w)) < rng.uniform(0, 1)).astype(np.uint8)
        if t % 5 == 0:
            m[:] = 0
        if t % 9 == 0:
            m[:] = 1
        rle = mask_utils.encode(np.asfortranarray(m))
        name = f"m{t}.u8"
        m.tofile(os.path.join(out, name))  # row-major bytes
        unc = []
        flat = m.flatten(order="F")
        cur, run = 0, 0
        for v in flat:
            if v != cur:
                unc.append(run)
                run, cur = 0, v
            run += 1
        unc.append(run)
        conv = mask_utils.frPyObjects({"size": [h, w], "counts": unc}, h, w)
        masks.append({"h": h, "w": w, "file": name, "counts": rle["counts"].decode(), "uncompressed": unc,
                      "from_uncompressed": conv["counts"].decode(), "area": int(mask_utils.area(rle))})
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"polygons": polys, "masks": masks}, f)


if __name__ == "__main__":
    main()

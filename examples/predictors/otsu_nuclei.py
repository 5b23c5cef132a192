#!/usr/bin/env python3
"""A classical baseline for `segscope predict` that needs nothing but numpy and Pillow: Otsu's
threshold, then connected components with small ones removed. A fair first model for fluorescence
microscopy nuclei (bright objects on a dark background).

    segscope predict DATASET --name otsu --cmd 'python3 examples/predictors/otsu_nuclei.py {manifest} --min-area 30'

Writes class FOREGROUND (default 1) on kept components and 0 elsewhere; the confidence map is the
distance of each pixel's brightness from the threshold, scaled to 0-255. Options: --foreground N,
--min-area PIXELS (default 20), --dark-objects (objects darker than the background).
"""
import argparse
import json
import os
import sys

import numpy as np
from PIL import Image


def otsu(gray):
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * np.arange(256))
    mean = m0[-1] / total
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean * w0 - m0) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = 0
    return int(np.argmax(between))


def components(fg):
    """4-connected labels by union-find over runs of each row (numpy for the rows, Python for runs)."""
    h, w = fg.shape
    parent = [0]

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    labels = np.zeros((h, w), dtype=np.int32)
    prev = []
    for y in range(h):
        row = fg[y]
        d = np.diff(np.concatenate(([0], row.astype(np.int8), [0])))
        starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
        cur = []
        for s, e in zip(starts, ends):
            parent.append(len(parent))
            lab = len(parent) - 1
            for ps, pe, pl in prev:
                if ps < e and s < pe:
                    ra, rb = find(pl), find(lab)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
            labels[y, s:e] = lab
            cur.append((s, e, lab))
        prev = cur
    roots = np.array([find(i) for i in range(len(parent))], dtype=np.int32)
    return roots[labels]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--foreground", type=int, default=1)
    ap.add_argument("--min-area", type=int, default=20)
    ap.add_argument("--dark-objects", action="store_true")
    a = ap.parse_args()
    failed = 0
    with open(a.manifest) as f:
        items = [json.loads(l) for l in f if l.strip()]
    for item in items:
        try:
            gray = np.asarray(Image.open(item["image"]).convert("L"))
            t = otsu(gray)
            fg = gray < t if a.dark_objects else gray > t
            lab = components(fg)
            sizes = np.bincount(lab.ravel())
            keep = fg & (sizes[lab] >= a.min_area)
            out = np.where(keep, a.foreground, 0).astype(np.uint16 if a.foreground > 255 else np.uint8)
            os.makedirs(os.path.dirname(item["output"]), exist_ok=True)
            Image.fromarray(out).save(item["output"])
            conf = np.clip(np.abs(gray.astype(np.int32) - t) * 4, 0, 255).astype(np.uint8)
            os.makedirs(os.path.dirname(item["confidence"]), exist_ok=True)
            Image.fromarray(conf).save(item["confidence"])
        except Exception as e:
            failed += 1
            print(f"{item['image']}: {e}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

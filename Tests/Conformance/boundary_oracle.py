#!/usr/bin/env python3
"""Reference boundary IoU (Cheng et al. 2021), following boundary-iou-api's mask_to_boundary step by
step in numpy: pad with one pixel of 0, erode with a 3x3 square `dilation` times (cv2.erode treats
pixels outside the array as the maximum, so only the padding erodes the edges), subtract.
Per class: boundaries of GT == c and pred == c, restricted to pixels whose GT is not ignored; I and U
summed over images. Usage: boundary_oracle.py OUTDIR [SEED]."""
import json
import os
import sys

import numpy as np


def erode3x3(m):
    p = np.pad(m, 1, constant_values=1)  # cv2's default border value for erosion is the maximum
    out = np.ones_like(m)
    h, w = m.shape
    for dy in range(3):
        for dx in range(3):
            out &= p[dy:dy + h, dx:dx + w]
    return out


def mask_to_boundary(mask, dilation_ratio=0.02):
    h, w = mask.shape
    img_diag = np.sqrt(h ** 2 + w ** 2)
    dilation = int(round(dilation_ratio * img_diag))
    if dilation < 1:
        dilation = 1
    new_mask = np.pad(mask, 1, constant_values=0)
    for _ in range(dilation):
        new_mask = erode3x3(new_mask)
    mask_erode = new_mask[1:h + 1, 1:w + 1]
    return mask - mask_erode


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    cases = []
    def make(name, k, pairs):
        inter = np.zeros(k)
        union = np.zeros(k)
        files = []
        for i, (gt, pred) in enumerate(pairs):
            valid = gt != 255
            for c in range(k):
                bg = mask_to_boundary((gt == c).astype(np.uint8)).astype(bool) & valid
                bp = mask_to_boundary((pred == c).astype(np.uint8)).astype(bool) & valid
                inter[c] += (bg & bp).sum()
                union[c] += (bg | bp).sum()
            h, w = gt.shape
            gname, pname = f"{name}_{i}_gt.u16", f"{name}_{i}_pred.u16"
            gt.astype("<u2").tofile(os.path.join(out, gname))
            pred.astype("<u2").tofile(os.path.join(out, pname))
            files.append({"w": w, "h": h, "gt": gname, "pred": pname})
        biou = [None if u == 0 else float(i / u) for i, u in zip(inter, union)]
        cases.append({"name": name, "classes": k, "files": files, "intersection": inter.tolist(), "union": union.tolist(), "biou": biou})

    def blocks(h, w, k, noisy):
        bh, bw = max(1, h // int(rng.integers(1, 8))), max(1, w // int(rng.integers(1, 8)))
        coarse = rng.integers(0, k, size=(h // bh + 1, w // bw + 1))
        gt = np.kron(coarse, np.ones((bh, bw), dtype=np.int64))[:h, :w]
        pred = gt.copy()
        flip = rng.random((h, w)) < 0.05
        pred[flip] = rng.integers(0, k + 1, size=flip.sum())  # k is outside the classes
        if noisy:
            gt[rng.random((h, w)) < 0.05] = 255
        return gt, pred

    for t in range(14):
        k = int(rng.integers(2, 7))
        pairs = [blocks(int(rng.integers(1, 90)), int(rng.integers(1, 90)), k, t % 3 == 0) for _ in range(int(rng.integers(1, 4)))]
        make(f"b{t}", k, pairs)
    # Ties: 0.02 * diagonal is exactly 2.5, 4.5 or 12.5, where Python's round (half to even) gives
    # 2, 4 and 12 and rounding half up would give 3, 5 and 13.
    for h, w in [(75, 100), (100, 75), (135, 180), (175, 600)]:
        gt = np.zeros((h, w), dtype=np.int64)
        gt[h // 4: 3 * h // 4, w // 5: 4 * w // 5] = 1
        gt[h // 3: h // 2, w // 3: w // 2] = 2
        pred = np.roll(gt, 1, axis=1)
        make(f"tie{h}x{w}", 3, [(gt, pred)])
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f)


if __name__ == "__main__":
    main()

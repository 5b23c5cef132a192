#!/usr/bin/env python3
"""mmseg's semantic evaluation in numpy (intersect_and_union per pair, summed), as the speed reference
for `segscope eval`: masks read with Pillow (mmseg's default backend for label maps), NUM_CLASSES from
the data, ignore 255, over N worker processes.

Usage: numpy_eval.py DATASET PAIRS [PROCESSES]   (DATASET/labels/train/I.png and DATASET/pred/train/I.png)
Prints: mIoU and the wall time in ms.
"""
import sys
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image

K = 256


def pair(i):
    root = sys.argv[1]
    gt = np.array(Image.open(f"{root}/labels/train/{i}.png"))
    pred = np.array(Image.open(f"{root}/pred/train/{i}.png"))
    keep = gt != 255
    gt, pred = gt[keep].astype(np.int64), pred[keep].astype(np.int64)
    inter = pred[pred == gt]
    area_i = np.bincount(inter, minlength=K)
    area_p = np.bincount(pred, minlength=K)
    area_g = np.bincount(gt, minlength=K)
    return area_i, area_p + area_g - area_i, area_g


def main():
    n, procs = int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 2
    t0 = time.time()
    with Pool(procs) as pool:
        parts = pool.map(pair, range(n), chunksize=16)
    inter = sum(p[0] for p in parts)
    union = sum(p[1] for p in parts)
    gt = sum(p[2] for p in parts)
    present = gt > 0
    miou = float(np.mean(inter[present] / union[present]))
    print(f"mIoU {miou * 100:.4f} numpy {1000 * (time.time() - t0):.0f} ms")


if __name__ == "__main__":
    main()

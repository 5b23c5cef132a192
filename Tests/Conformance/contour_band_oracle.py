#!/usr/bin/env python3
"""Reference for FiftyOne's contour band (evaluate_segmentations(bandwidth=N)).

The band is computed with OpenCV exactly as FiftyOne does it, in eta.core.image.get_contour_band_mask:
for every value of the ground truth, cv2.findContours(mask == value, RETR_LIST, CHAIN_APPROX_SIMPLE),
then cv2.drawContours(band, contours, -1, 1, bandwidth). FiftyOne then keeps pred[band], gt[band] and
builds its confusion matrix from those pixels only (_extract_contour_band_values); the expected matrix
here is that, with rows = GT value, columns = predicted value.

Usage: contour_band_oracle.py OUTDIR [SEED]. Writes masks (little-endian uint16, row-major), the
expected band (uint8 0/1) and OUTDIR/cases.json. The masks are generated here, not by segscope.
"""
import json
import os
import sys

import cv2
import numpy as np


def contour_band(mask, bandwidth):
    # eta.core.image.get_contour_band_mask, verbatim in behaviour
    band = np.zeros(mask.shape, dtype=np.uint8)
    for value in np.unique(mask):
        contours, _ = cv2.findContours((mask == value).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(band, contours, -1, 1, bandwidth)
    return band.astype(bool)


def fiftyone_metrics(gt, pred, values):
    """FiftyOne's evaluate_segmentations numbers on band pixels (mask_targets = `values`, value 0 the
    missing class): sklearn's confusion_matrix(gt, pred, labels=values) drops pixels whose GT or
    prediction is not a target; then micro accuracy, precision and recall without class 0."""
    index = {v: i for i, v in enumerate(values)}
    keep = np.array([g in index and p in index for g, p in zip(gt.tolist(), pred.tolist())], dtype=bool)
    c = np.zeros((len(values), len(values)), dtype=np.int64)
    for g, p in zip(gt[keep].tolist(), pred[keep].tolist()):
        c[index[g], index[p]] += 1
    n = c.sum()
    tp = sum(c[i, i] for i in range(1, len(values)))
    cols = sum(c[:, i].sum() for i in range(1, len(values)))
    rows = sum(c[i, :].sum() for i in range(1, len(values)))
    def div(a, b):
        return None if b == 0 else float(a) / float(b)
    return {"accuracy": div(tp, n - c[0, 0]), "precision": div(tp, cols), "recall": div(tp, rows)}


def shapes(rng, h, w, k):
    kind = int(rng.integers(0, 6))
    if kind == 0:  # blocky regions
        bh, bw = max(1, h // int(rng.integers(1, 6))), max(1, w // int(rng.integers(1, 6)))
        coarse = rng.integers(0, k, size=(h // bh + 1, w // bw + 1))
        return np.kron(coarse, np.ones((bh, bw), dtype=np.int64))[:h, :w]
    if kind == 1:  # noise: many one-pixel regions, holes and diagonal contacts
        return rng.integers(0, k, size=(h, w))
    if kind == 2:  # discs and rings (holes, curved borders, slanted segments)
        yy, xx = np.mgrid[0:h, 0:w]
        m = np.zeros((h, w), dtype=np.int64)
        for _ in range(int(rng.integers(1, 6))):
            cy, cx = rng.integers(0, max(1, h)), rng.integers(0, max(1, w))
            r = rng.integers(1, max(2, min(h, w)))
            d = (yy - cy) ** 2 + (xx - cx) ** 2
            m[d < r * r] = int(rng.integers(0, k))
            if rng.random() < 0.5:
                m[d < (r // 2) ** 2] = int(rng.integers(0, k))
        return m
    if kind == 3:  # slanted half-planes and thin stripes
        yy, xx = np.mgrid[0:h, 0:w]
        a, b = rng.normal(), rng.normal()
        m = ((a * xx + b * yy) // max(1.0, rng.uniform(1, 12))).astype(np.int64) % k
        return m
    if kind == 4:  # sparse dots and 1-pixel lines on a background
        m = np.zeros((h, w), dtype=np.int64)
        m[rng.random((h, w)) < 0.03] = 1
        if h > 2:
            m[int(rng.integers(0, h)), :] = 2 % k
        if w > 2:
            m[:, int(rng.integers(0, w))] = 3 % k
        return m
    # polygons filled with OpenCV (slanted borders at many angles)
    m = np.zeros((h, w), dtype=np.uint8)
    for _ in range(int(rng.integers(1, 5))):
        pts = np.stack([rng.integers(-3, w + 3, size=5), rng.integers(-3, h + 3, size=5)], axis=1).astype(np.int32)
        cv2.fillPoly(m, [pts], int(rng.integers(0, k)))
    return m.astype(np.int64)


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    cases = []
    sizes = [(1, 1), (1, 7), (9, 1), (2, 2), (3, 5)]
    for t in range(60):
        if t < len(sizes):
            h, w = sizes[t]
        else:
            h, w = int(rng.integers(1, 120)), int(rng.integers(1, 120))
        k = int(rng.integers(2, 6))
        gt = shapes(rng, h, w, k)
        if t % 7 == 3:
            gt[rng.random((h, w)) < 0.05] = 255  # ignore values get their own contours in FiftyOne
        pred = gt.copy()
        flip = rng.random((h, w)) < 0.1
        pred[flip] = rng.integers(0, k, size=int(flip.sum()))
        bandwidth = int(rng.choice([1, 2, 3, 4, 5, 7, 10]))
        band = contour_band(gt, bandwidth)
        values = sorted(set(np.unique(gt).tolist()) | set(np.unique(pred).tolist()))
        index = {v: i for i, v in enumerate(values)}
        cm = np.zeros((len(values), len(values)), dtype=np.int64)
        for g, p in zip(gt[band].tolist(), pred[band].tolist()):
            cm[index[g], index[p]] += 1
        fo = fiftyone_metrics(gt[band], pred[band], list(range(k)))
        gname, pname, bname = f"c{t}_gt.u16", f"c{t}_pred.u16", f"c{t}_band.u8"
        gt.astype("<u2").tofile(os.path.join(out, gname))
        pred.astype("<u2").tofile(os.path.join(out, pname))
        band.astype(np.uint8).tofile(os.path.join(out, bname))
        cases.append({"name": f"c{t}", "w": w, "h": h, "bandwidth": bandwidth, "gt": gname, "pred": pname, "band": bname,
                      "band_pixels": int(band.sum()), "values": values, "confusion": cm.tolist(), "classes": k, "fiftyone": fo})
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"opencv": cv2.__version__, "cases": cases}, f)


if __name__ == "__main__":
    main()

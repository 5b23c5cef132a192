#!/usr/bin/env python3
"""Reference numbers for segscope's semantic metrics, computed with numpy the way the trusted tools do.

- mmseg: mmseg.evaluation.metrics.IoUMetric (intersect_and_union + total_area_to_metrics, nanmean),
  without its final rounding to two decimals.
- torchmetrics: macro averaging where 0/0 counts as 0 and stays in the mean.
- cityscapes: evalPixelLevelSemanticLabeling's getIouScoreForLabel on a confusion matrix
  (FP summed over non-ignored GT rows only), mean over non-NaN classes.

Usage: semantic_oracle.py OUTDIR [SEED]. Writes raw masks (little-endian uint16, row-major) and
OUTDIR/cases.json with the expected numbers. The masks are generated here, so the data does not come
from the implementation under test.
"""
import json
import os
import sys

import numpy as np


def reduce_zero_label(gt):
    gt = gt.astype(np.int64).copy()
    gt[gt == 0] = 255
    gt = gt - 1
    gt[gt == 254] = 255
    return gt


def mmseg_intersect_and_union(pred, label, num_classes, ignore_index):
    # mmseg/evaluation/metrics/iou_metric.py: intersect_and_union (torch.histc over [0, K-1])
    mask = label != ignore_index
    pred = pred[mask]
    label = label[mask]
    intersect = pred[pred == label]

    def histc(v):
        v = v[(v >= 0) & (v <= num_classes - 1)]
        return np.bincount(v, minlength=num_classes)[:num_classes].astype(np.float64)

    ai, ap, al = histc(intersect), histc(pred), histc(label)
    return ai, ap + al - ai, ap, al


def mmseg_metrics(pairs, num_classes, ignore_index):
    ti = np.zeros(num_classes); tu = np.zeros(num_classes); tp = np.zeros(num_classes); tl = np.zeros(num_classes)
    for gt, pred in pairs:
        i, u, p, l = mmseg_intersect_and_union(pred, gt, num_classes, ignore_index)
        ti += i; tu += u; tp += p; tl += l
    with np.errstate(divide="ignore", invalid="ignore"):
        all_acc = ti.sum() / tl.sum()
        iou = ti / tu
        acc = ti / tl
        dice = 2 * ti / (tp + tl)
        precision = ti / tp
        recall = ti / tl
    with np.errstate(invalid="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            out = {
                "aAcc": all_acc,
                "mIoU": np.nanmean(iou),
                "mAcc": np.nanmean(acc),
                "mDice": np.nanmean(dice),
                "iou": iou, "dice": dice, "precision": precision, "recall": recall,
                "gt_pixels": tl, "pred_pixels": tp,
            }
    freq = tl / tl.sum() if tl.sum() > 0 else tl
    out["fwIoU"] = float(np.nansum(freq * iou)) if tl.sum() > 0 else float("nan")
    return out


def confusion(pairs, num_classes, ignore_index):
    conf = np.zeros((num_classes, num_classes + 1), dtype=np.int64)
    for gt, pred in pairs:
        m = gt != ignore_index
        g = gt[m]; p = pred[m]
        p = np.where((p >= 0) & (p < num_classes), p, num_classes)
        np.add.at(conf, (g, p), 1)
    return conf


def torchmetrics_metrics(pairs, num_classes, ignore_index):
    conf = confusion(pairs, num_classes, ignore_index)
    tp = np.diag(conf[:, :num_classes]).astype(np.float64)
    fp = conf[:, :num_classes].sum(0) - tp
    fn = conf.sum(1) - tp
    denom = tp + fp + fn
    iou = np.where(denom > 0, tp / np.where(denom > 0, denom, 1), 0.0)
    return {"mIoU": float(iou.mean()), "iou": iou}


def cityscapes_metrics(pairs, num_classes, ignore_index):
    conf = confusion(pairs, num_classes, ignore_index)
    ious = []
    for label in range(num_classes):
        tp = conf[label, label]
        fn = conf[label, :].sum() - tp
        not_ignored = [l for l in range(num_classes) if l != label]
        fp = conf[not_ignored, label].sum()
        denom = tp + fp + fn
        ious.append(float("nan") if denom == 0 else float(tp) / denom)
    ious = np.array(ious)
    valid = ious[~np.isnan(ious)]
    return {"mIoU": float(valid.mean()) if len(valid) else float("nan"), "iou": ious}


def clean(v):
    if isinstance(v, np.ndarray):
        return [clean(x) for x in v.tolist()]
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1234
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    cases = []

    def write(name, arr):
        path = os.path.join(out, name)
        arr.astype("<u2").tofile(path)
        return name

    def case(name, k, pairs, ignore=255, rzl=False, outside=False):
        files = []
        eval_pairs = []
        for i, (gt, pred) in enumerate(pairs):
            h, w = gt.shape
            files.append({"w": int(w), "h": int(h),
                          "gt": write(f"{name}_{i}_gt.u16", gt), "pred": write(f"{name}_{i}_pred.u16", pred)})
            g = reduce_zero_label(gt) if rzl else gt.astype(np.int64)
            eval_pairs.append((g, pred.astype(np.int64)))
        mm = mmseg_metrics(eval_pairs, k, ignore)
        entry = {
            "name": name, "classes": k, "ignore": ignore, "reduce_zero_label": rzl, "files": files,
            "outside": outside,
            "mmseg": {key: clean(v) for key, v in mm.items()},
        }
        # Ground truth outside [0, K): mmseg's histc drops it from the label area but keeps the
        # prediction in the prediction area. The confusion-matrix references refuse such data.
        if not outside:
            tm = torchmetrics_metrics(eval_pairs, k, ignore)
            cs = cityscapes_metrics(eval_pairs, k, ignore)
            entry["torchmetrics"] = {key: clean(v) for key, v in tm.items()}
            entry["cityscapes"] = {key: clean(v) for key, v in cs.items()}
        cases.append(entry)

    # Randomized: 8-bit ids with ignore pixels and out-of-range predictions.
    for t in range(20):
        k = int(rng.integers(2, 25))
        pairs = []
        for _ in range(int(rng.integers(1, 6))):
            h, w = int(rng.integers(1, 60)), int(rng.integers(1, 60))
            gt = rng.integers(0, k, size=(h, w))
            gt[rng.random((h, w)) < 0.1] = 255
            pred = np.where(rng.random((h, w)) < 0.6, gt, rng.integers(0, k + 3, size=(h, w)))
            pred[pred == 255] = 0
            pairs.append((gt, pred))
        case(f"random{t}", k, pairs)
    # reduce_zero_label: GT uses 0 as unlabeled, classes 1..k.
    for t in range(5):
        k = int(rng.integers(2, 12))
        pairs = []
        for _ in range(3):
            h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
            gt = rng.integers(0, k + 1, size=(h, w))
            gt[rng.random((h, w)) < 0.05] = 255
            pred = np.where(rng.random((h, w)) < 0.5, np.maximum(gt - 1, 0), rng.integers(0, k, size=(h, w)))
            pred[pred > 250] = 0
            pairs.append((gt, pred))
        case(f"rzl{t}", k, pairs, rzl=True)
    # Edge cases.
    case("one_pixel", 3, [(np.array([[1]]), np.array([[1]]))])
    case("one_pixel_wrong", 3, [(np.array([[1]]), np.array([[2]]))])
    case("all_ignore", 4, [(np.full((5, 7), 255), rng.integers(0, 4, size=(5, 7)))])
    case("all_ignore_plus_one", 4, [(np.full((5, 7), 255), rng.integers(0, 4, size=(5, 7))),
                                    (np.array([[0, 1]]), np.array([[0, 0]]))])
    case("absent_both_sides", 6, [(np.array([[0, 0, 1, 1]]), np.array([[0, 1, 1, 1]]))])
    case("empty_prediction_class", 3, [(np.zeros((4, 4), dtype=np.int64), np.full((4, 4), 2))])
    big = 1200
    gt16 = rng.integers(0, big, size=(30, 30)); gt16[0, 0] = 65535
    pred16 = np.where(rng.random((30, 30)) < 0.7, gt16, rng.integers(0, big, size=(30, 30)))
    pred16[pred16 == 65535] = 7
    case("sixteen_bit", big, [(gt16, pred16)], ignore=65535)
    # Ground truth and predictions with values outside the class map, 8- and 16-bit.
    g = np.array([[0, 1, 2, 7], [200, 3, 3, 40000], [65535, 4, 4, 1]])
    p = np.array([[0, 1, 1, 2], [3, 3, 40000, 1], [4, 65535, 4, 9]])
    case("outside_map_16bit", 5, [(g, p)], outside=True)
    for t in range(6):
        k = int(rng.integers(2, 80))
        pairs = []
        for _ in range(int(rng.integers(1, 4))):
            h, w = int(rng.integers(1, 50)), int(rng.integers(1, 50))
            gt = rng.integers(0, k, size=(h, w))
            stray = rng.random((h, w))
            gt[stray < 0.08] = rng.integers(k, 255)
            gt[stray > 0.97] = 255
            if t % 2:
                gt[stray < 0.02] = 40000
            pred = np.where(rng.random((h, w)) < 0.6, np.minimum(gt, 254), rng.integers(0, k + 3, size=(h, w)))
            pred[pred == 255] = 0
            if t % 2:
                pred[rng.random((h, w)) < 0.02] = 65535
            pairs.append((gt, pred))
        case(f"outside_random{t}", k, pairs, outside=True)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f)
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()

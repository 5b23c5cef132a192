#!/usr/bin/env python3
"""Panoptic Quality as the COCO panopticapi's pq_compute counts it (pq_compute_single_core and
PQStat.pq_average, transcribed with numpy), on randomized COCO panoptic data: RGB-encoded segment ids
(id = R + 256 G + 256^2 B), unlabeled (VOID) pixels, crowd regions, things and stuff, ground-truth
JSON areas that differ from the PNG, predictions that miss, split, merge, shift and mislabel
segments. Writes gt.json, pred.json, gt/*.png, pred/*.png and expected.json into OUTDIR.
Usage: panoptic_oracle.py OUTDIR [SEED]."""
import json
import os
import struct
import sys
import zlib
from collections import defaultdict

import numpy as np

OFFSET = 256 * 256 * 256
VOID = 0


def write_png_rgb(path, rgb):
    """A minimal RGB PNG writer (no PIL needed)."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].astype(np.uint8).tobytes() for y in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def id2rgb(ids):
    rgb = np.zeros(ids.shape + (3,), dtype=np.uint8)
    rgb[..., 0] = ids % 256
    rgb[..., 1] = (ids // 256) % 256
    rgb[..., 2] = ids // (256 * 256)
    return rgb


def rgb2id(rgb):
    rgb = rgb.astype(np.uint32)
    return rgb[..., 0] + 256 * rgb[..., 1] + 256 * 256 * rgb[..., 2]


class PQStatCat:
    def __init__(self):
        self.iou = 0.0
        self.tp = 0
        self.fp = 0
        self.fn = 0


def pq_single(gt_ann, pred_ann, pan_gt, pan_pred, categories, stat):
    """panopticapi pq_compute_single_core for one image."""
    gt_segms = {el["id"]: dict(el) for el in gt_ann["segments_info"]}
    pred_segms = {el["id"]: dict(el) for el in pred_ann["segments_info"]}
    pred_labels_set = set(el["id"] for el in pred_ann["segments_info"])
    labels, labels_cnt = np.unique(pan_pred, return_counts=True)
    for label, label_cnt in zip(labels, labels_cnt):
        if label not in pred_segms:
            if label == VOID:
                continue
            raise KeyError("segment in PNG and not in JSON")
        pred_segms[label]["area"] = label_cnt
        pred_labels_set.remove(label)
        if pred_segms[label]["category_id"] not in categories:
            raise KeyError("unknown category")
    if len(pred_labels_set) != 0:
        raise KeyError("segments in JSON and not in PNG")
    pan_gt_pred = pan_gt.astype(np.uint64) * OFFSET + pan_pred.astype(np.uint64)
    gt_pred_map = {}
    labels, labels_cnt = np.unique(pan_gt_pred, return_counts=True)
    for label, intersection in zip(labels, labels_cnt):
        gt_id = label // OFFSET
        pred_id = label % OFFSET
        gt_pred_map[(gt_id, pred_id)] = intersection
    gt_matched, pred_matched = set(), set()
    for label_tuple, intersection in gt_pred_map.items():
        gt_label, pred_label = label_tuple
        if gt_label not in gt_segms or pred_label not in pred_segms:
            continue
        if gt_segms[gt_label]["iscrowd"] == 1:
            continue
        if gt_segms[gt_label]["category_id"] != pred_segms[pred_label]["category_id"]:
            continue
        union = pred_segms[pred_label]["area"] + gt_segms[gt_label]["area"] - intersection - gt_pred_map.get((VOID, pred_label), 0)
        iou = intersection / union
        if iou > 0.5:
            stat[gt_segms[gt_label]["category_id"]].tp += 1
            stat[gt_segms[gt_label]["category_id"]].iou += iou
            gt_matched.add(gt_label)
            pred_matched.add(pred_label)
    crowd_labels_dict = {}
    for gt_label, gt_info in gt_segms.items():
        if gt_label in gt_matched:
            continue
        if gt_info["iscrowd"] == 1:
            crowd_labels_dict[gt_info["category_id"]] = gt_label
            continue
        stat[gt_info["category_id"]].fn += 1
    for pred_label, pred_info in pred_segms.items():
        if pred_label in pred_matched:
            continue
        intersection = gt_pred_map.get((VOID, pred_label), 0)
        if pred_info["category_id"] in crowd_labels_dict:
            intersection += gt_pred_map.get((crowd_labels_dict[pred_info["category_id"]], pred_label), 0)
        if intersection / pred_info["area"] > 0.5:
            continue
        stat[pred_info["category_id"]].fp += 1


def pq_average(stat, categories, isthing):
    pq, sq, rq, n = 0, 0, 0, 0
    per_class = {}
    for label, label_info in categories.items():
        if isthing is not None:
            if isthing != (label_info["isthing"] == 1):
                continue
        s = stat[label]
        if s.tp + s.fp + s.fn == 0:
            per_class[label] = {"pq": 0.0, "sq": 0.0, "rq": 0.0}
            continue
        n += 1
        pq_class = s.iou / (s.tp + 0.5 * s.fp + 0.5 * s.fn)
        sq_class = s.iou / s.tp if s.tp != 0 else 0
        rq_class = s.tp / (s.tp + 0.5 * s.fp + 0.5 * s.fn)
        per_class[label] = {"pq": pq_class, "sq": sq_class, "rq": rq_class}
        pq += pq_class
        sq += sq_class
        rq += rq_class
    return {"pq": pq / n, "sq": sq / n, "rq": rq / n, "n": n}, per_class


def blob_mask(rng, h, w):
    cy, cx = rng.uniform(0, h), rng.uniform(0, w)
    ry, rx = rng.uniform(1.5, h / 2.5), rng.uniform(1.5, w / 2.5)
    yy, xx = np.mgrid[0:h, 0:w]
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(out, "gt"), exist_ok=True)
    os.makedirs(os.path.join(out, "pred"), exist_ok=True)
    cats = [{"id": 1, "name": "person", "isthing": 1}, {"id": 2, "name": "car", "isthing": 1}, {"id": 5, "name": "bike", "isthing": 1},
            {"id": 10, "name": "road", "isthing": 0}, {"id": 11, "name": "sky", "isthing": 0}]
    categories = {c["id"]: c for c in cats}
    images, gt_anns, pred_anns = [], [], []
    stat = defaultdict(PQStatCat)
    for img in range(1, 16):
        h, w = int(rng.integers(6, 60)), int(rng.integers(6, 60))
        gt = np.zeros((h, w), dtype=np.uint32)
        segs = []
        # Stuff: horizontal bands; things: blobs painted over them; some pixels stay VOID.
        next_id = int(rng.integers(1, 3000))
        band = int(rng.integers(1, h))
        for cat, rows in ((11, slice(0, band)), (10, slice(band, h))):
            if rng.random() < 0.85:
                gt[rows, :] = next_id
                segs.append({"id": next_id, "category_id": cat, "iscrowd": 0})
                next_id += int(rng.integers(1, 70000))
        for _ in range(int(rng.integers(0, 6))):
            m = blob_mask(rng, h, w)
            if not m.any():
                continue
            gt[m] = next_id
            segs.append({"id": next_id, "category_id": int(rng.choice([1, 2, 5])), "iscrowd": int(rng.random() < 0.15)})
            next_id += int(rng.integers(1, 70000))
        if rng.random() < 0.5:
            gt[blob_mask(rng, h, w)] = VOID
        present = set(np.unique(gt).tolist())
        segs = [s for s in segs if s["id"] in present]
        for s in segs:
            area = int((gt == s["id"]).sum())
            if rng.random() < 0.1:
                area = max(1, int(area * rng.uniform(0.7, 1.3)))  # panopticapi uses the JSON's area
            s["area"] = area
        segs.sort(key=lambda s: s["id"])
        # Prediction: each segment kept (maybe shifted, eroded or relabelled), dropped or split.
        pred = np.zeros((h, w), dtype=np.uint32)
        psegs = []
        pid = int(rng.integers(1, 5000))
        for s in segs:
            r = rng.random()
            if r < 0.15:
                continue
            m = gt == s["id"]
            dy, dx = int(rng.integers(-2, 3)), int(rng.integers(-2, 3))
            m = np.roll(np.roll(m, dy, axis=0), dx, axis=1)
            if rng.random() < 0.2:
                m = m & (rng.random((h, w)) < 0.6)
            cat = s["category_id"] if rng.random() < 0.85 else int(rng.choice([c["id"] for c in cats]))
            if r > 0.9 and m.sum() > 4:
                half = m & (np.arange(w)[None, :] < w // 2)
                pred[half] = pid
                psegs.append({"id": pid, "category_id": cat})
                pid += int(rng.integers(1, 9000))
                m = m & ~half
            pred[m] = pid
            psegs.append({"id": pid, "category_id": cat})
            pid += int(rng.integers(1, 9000))
        for _ in range(int(rng.integers(0, 3))):
            pred[blob_mask(rng, h, w)] = pid
            psegs.append({"id": pid, "category_id": int(rng.choice([c["id"] for c in cats]))})
            pid += int(rng.integers(1, 9000))
        present = set(np.unique(pred).tolist())
        psegs = [s for s in psegs if s["id"] in present]
        name = f"{img:04d}.png"
        write_png_rgb(os.path.join(out, "gt", name), id2rgb(gt))
        write_png_rgb(os.path.join(out, "pred", name), id2rgb(pred))
        images.append({"id": img, "width": w, "height": h, "file_name": f"{img:04d}.jpg"})
        gt_ann = {"image_id": img, "file_name": name, "segments_info": segs}
        pred_ann = {"image_id": img, "file_name": name, "segments_info": psegs}
        gt_anns.append(gt_ann)
        pred_anns.append(pred_ann)
        pq_single(gt_ann, pred_ann, gt, pred, categories, stat)
    with open(os.path.join(out, "gt.json"), "w") as f:
        json.dump({"images": images, "annotations": gt_anns, "categories": cats}, f)
    with open(os.path.join(out, "pred.json"), "w") as f:
        json.dump({"annotations": pred_anns}, f)
    results = {}
    for name, isthing in (("All", None), ("Things", True), ("Stuff", False)):
        avg, per_class = pq_average(stat, categories, isthing)
        results[name] = avg
        if name == "All":
            results["per_class"] = {str(k): v for k, v in per_class.items()}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()

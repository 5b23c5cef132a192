#!/usr/bin/env python3
"""pycocotools COCOeval (iouType segm) on randomized data: polygons, uncompressed crowd RLE, category
ids with gaps, JSON areas that differ from mask areas, detections with and without bbox (loadRes then
uses the box area), ties in scores, more detections than maxDets. Usage: cocoeval_oracle.py OUTDIR [SEED]."""
import contextlib
import io
import json
import os
import sys

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from boundary_oracle import mask_to_boundary  # noqa: E402  (numpy transcription of boundary-iou-api's)


def blob(rng, h, w):
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    k = int(rng.integers(3, 8))
    ang = np.sort(rng.uniform(0, 2 * np.pi, size=k))
    rad = rng.uniform(1, max(h, w) / 3, size=k)
    pts = np.empty(2 * k)
    pts[0::2] = np.clip(cx + rad * np.cos(ang), 0, w)
    pts[1::2] = np.clip(cy + rad * np.sin(ang), 0, h)
    return [float(v) for v in pts]


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    cats = [1, 3, 7]
    images, anns, results = [], [], []
    aid = 1
    for img in range(1, 13):
        h, w = int(rng.integers(20, 330)), int(rng.integers(20, 330))
        images.append({"id": img, "width": w, "height": h, "file_name": f"{img}.jpg"})
        for _ in range(int(rng.integers(0, 6))):
            cat = int(rng.choice(cats))
            crowd = rng.random() < 0.12
            poly = blob(rng, h, w)
            rle = mask_utils.merge(mask_utils.frPyObjects([poly], h, w))
            area = float(mask_utils.area(rle))
            if rng.random() < 0.2:
                area *= float(rng.uniform(0.5, 1.5))  # COCOeval uses the JSON area, not the mask's
            if crowd:
                m = mask_utils.decode(rle)
                flat = m.flatten(order="F")
                cnts, cur, run = [], 0, 0
                for v in flat:
                    if v != cur:
                        cnts.append(run)
                        run, cur = 0, v
                    run += 1
                cnts.append(run)
                seg = {"size": [h, w], "counts": cnts}
            else:
                seg = [poly]
            anns.append({"id": aid, "image_id": img, "category_id": cat, "segmentation": seg, "area": area,
                         "bbox": [0, 0, 1, 1], "iscrowd": int(crowd)})
            aid += 1
            # Detections near this object.
            for _ in range(int(rng.integers(0, 3))):
                p = np.array(poly) + rng.normal(0, max(h, w) * float(rng.choice([0.002, 0.01, 0.03])), size=len(poly))
                p[0::2] = np.clip(p[0::2], 0, w)
                p[1::2] = np.clip(p[1::2], 0, h)
                drle = mask_utils.merge(mask_utils.frPyObjects([[float(v) for v in p]], h, w))
                dcat = cat if rng.random() < 0.85 else int(rng.choice(cats))
                r = {"image_id": img, "category_id": dcat, "score": float(np.round(rng.random(), 2)),
                     "segmentation": {"size": [h, w], "counts": drle["counts"].decode()}}
                results.append(r)
        # Spurious detections, sometimes many (more than maxDets=1 and 10).
        for _ in range(int(rng.integers(0, 14))):
            drle = mask_utils.merge(mask_utils.frPyObjects([blob(rng, h, w)], h, w))
            results.append({"image_id": img, "category_id": int(rng.choice(cats)), "score": float(np.round(rng.random(), 2)),
                            "segmentation": {"size": [h, w], "counts": drle["counts"].decode()}})
    # loadRes decides by the FIRST result: with a bbox there, every result's area is the box's area.
    if seed % 2 == 0:
        for r in results:
            h, w = r["segmentation"]["size"]
            r["bbox"] = [float(v) for v in mask_utils.toBbox({"size": [h, w], "counts": r["segmentation"]["counts"].encode()})]
    gt = {"images": images, "annotations": anns, "categories": [{"id": c, "name": f"c{c}"} for c in cats]}
    with open(os.path.join(out, "gt.json"), "w") as f:
        json.dump(gt, f)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f)
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(os.path.join(out, "gt.json"))
        dt = coco.loadRes(os.path.join(out, "results.json"))
        ev = COCOeval(coco, dt, "segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    prec = ev.eval["precision"]
    per_cat = {}
    for k, c in enumerate(ev.params.catIds):
        s = prec[:, :, k, 0, -1]
        per_cat[str(c)] = float(np.mean(s[s > -1])) if (s > -1).any() else -1.0
    # Per-instance matches at IoU 0.5 (T index 0), area range "all", maxDets 100: evalImgs, as FiftyOne
    # reads them for its per-sample TP/FP/FN.
    counts = {str(i["id"]): [0, 0, 0] for i in images}
    dt_match, gt_match = {}, {}
    n_area = len(ev.params.areaRng)
    n_img = len(ev.params.imgIds)
    for k in range(len(ev.params.catIds)):
        for i in range(n_img):
            e = ev.evalImgs[k * n_area * n_img + 0 * n_img + i]
            if e is None:
                continue
            c = counts[str(e["image_id"])]
            for d, m, ig in zip(e["dtIds"], e["dtMatches"][0], e["dtIgnore"][0]):
                dt_match[str(d)] = "ignored" if ig else int(m)
                if not ig:
                    c[0 if m > 0 else 1] += 1
            for g, m, ig in zip(e["gtIds"], e["gtMatches"][0], e["gtIgnore"]):
                gt_match[str(g)] = "ignored" if ig else int(m)
                if not ig and m == 0:
                    c[2] += 1
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"stats": [float(v) for v in ev.stats], "per_category": per_cat, "image_counts": counts,
                   "dt_match": dt_match, "gt_match": gt_match}, f)
    # Boundary AP: boundary-iou-api's COCOeval(iouType="boundary") is pycocotools' COCOeval with
    # computeIoU replaced by computeBoundaryIoU; the same override here, with mask_to_boundary done
    # in numpy as in boundary_oracle.py.
    with contextlib.redirect_stdout(io.StringIO()):
        bev = BoundaryCOCOeval(coco, dt, "segm")
        bev.evaluate()
        bev.accumulate()
        bev.summarize()
    with open(os.path.join(out, "expected_boundary.json"), "w") as f:
        json.dump({"stats": [float(v) for v in bev.stats]}, f)


class BoundaryCOCOeval(COCOeval):
    def computeIoU(self, imgId, catId):
        p = self.params
        gt = self._gts[imgId, catId]
        dt = self._dts[imgId, catId]
        if len(gt) == 0 and len(dt) == 0:
            return []
        inds = np.argsort([-d["score"] for d in dt], kind="mergesort")
        dt = [dt[i] for i in inds]
        if len(dt) > p.maxDets[-1]:
            dt = dt[0:p.maxDets[-1]]
        g_m = [g["segmentation"] for g in gt]
        d_m = [d["segmentation"] for d in dt]

        def boundary(rle):
            m = mask_utils.decode(rle)
            return mask_utils.encode(np.array(mask_to_boundary(m)[:, :, None], order="F", dtype="uint8"))[0]

        g_b = [boundary(x) for x in g_m]
        d_b = [boundary(x) for x in d_m]
        iscrowd = [int(o["iscrowd"]) for o in gt]
        mask_ious = np.array(mask_utils.iou(d_m, g_m, iscrowd))
        boundary_ious = np.array(mask_utils.iou(d_b, g_b, iscrowd))
        iscrowd = np.array(iscrowd)
        ious = mask_ious
        if len(gt) and len(dt):
            ious[:, iscrowd == 0] = np.minimum(mask_ious[:, iscrowd == 0], boundary_ious[:, iscrowd == 0])
        else:
            ious = np.minimum(mask_ious, boundary_ious)
        return ious


if __name__ == "__main__":
    main()

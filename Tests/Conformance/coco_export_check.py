#!/usr/bin/env python3
"""Reads a segscope COCO export with pycocotools: rebuilds each image's label map from its
annotations (annToMask; 65535 where no annotation), and checks areas and boxes.
Usage: coco_export_check.py OUTDIR EXPORTDIR."""
import contextlib
import io
import json
import os
import sys

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO


def main():
    out, export = sys.argv[1], sys.argv[2]
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(os.path.join(export, "labels.json"))
    report = {"images": [], "bad_area": 0, "bad_bbox": 0, "overlaps": 0}
    for img_id in sorted(coco.getImgIds()):
        info = coco.loadImgs(img_id)[0]
        h, w = info["height"], info["width"]
        labels = np.full((h, w), 65535, dtype=np.uint16)
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=[img_id])):
            m = coco.annToMask(ann).astype(bool)
            report["overlaps"] += int((labels[m] != 65535).sum())
            labels[m] = ann["category_id"]
            rle = coco.annToRLE(ann)
            if int(mask_utils.area(rle)) != int(ann["area"]):
                report["bad_area"] += 1
            if [float(v) for v in mask_utils.toBbox(rle)] != [float(v) for v in ann["bbox"]]:
                report["bad_bbox"] += 1
        name = f"img{img_id}.u16"
        labels.astype("<u2").tofile(os.path.join(out, name))
        report["images"].append({"file_name": info["file_name"], "w": w, "h": h, "labels": name})
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Cityscapes iIoU (nIoU) as evalPixelLevelSemanticLabeling computes it, on random images:
instance stats weighted by avgClassSize / instance size, unweighted FP from the confusion matrix over
non-ignored ground-truth rows. Predictions and labels are labelIds. Usage: OUTDIR [SEED]."""
import json
import os
import sys

import numpy as np

AVG = {24: 3462.4756337644, 25: 3930.4788056518, 26: 12794.0202738185, 27: 27855.1264367816,
       28: 35732.1511111111, 31: 67583.7075812274, 32: 6298.7200839748, 33: 4672.3249222261}
EVAL = [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33]


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 4)
    os.makedirs(out, exist_ok=True)
    conf = np.zeros((34, 34), dtype=np.int64)
    stats = {l: [0.0, 0.0] for l in AVG}
    files = []
    for i in range(6):
        h, w = int(rng.integers(20, 80)), int(rng.integers(20, 80))
        label = rng.choice([0, 4, 7, 8, 11, 21, 23], size=(h, w))
        inst = label.astype(np.int64).copy()
        for k in range(int(rng.integers(1, 8))):
            lid = int(rng.choice(list(AVG.keys()) + [29]))  # 29 caravan: ignoreInEval
            y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
            y1, x1 = min(h, y0 + int(rng.integers(2, 20))), min(w, x0 + int(rng.integers(2, 20)))
            label[y0:y1, x0:x1] = lid
            inst[y0:y1, x0:x1] = lid * 1000 + k if rng.random() < 0.8 else lid  # some group regions
        pred = np.where(rng.random((h, w)) < 0.7, label, rng.choice(EVAL, size=(h, w)))
        # confusion over evaluated GT rows (ignored GT pixels count nowhere)
        m = np.isin(label, EVAL)
        np.add.at(conf, (label[m], pred[m]), 1)
        for iid in np.unique(inst[inst > 1000]):
            lid = int(iid // 1000)
            if lid not in AVG:
                continue
            mask = inst == iid
            size = int(mask.sum())
            tp = int((pred[mask] == lid).sum())
            wgt = AVG[lid] / float(size)
            stats[lid][0] += tp * wgt
            stats[lid][1] += (size - tp) * wgt
        for name, arr in (("inst", inst), ("pred", pred)):
            arr.astype("<u2").tofile(os.path.join(out, f"{i}_{name}.u16"))
        files.append({"w": w, "h": h, "inst": f"{i}_inst.u16", "pred": f"{i}_pred.u16"})
    iiou = {}
    for lid in AVG:
        tp, fn = stats[lid]
        fp = sum(conf[g, lid] for g in EVAL if g != lid)
        d = tp + fp + fn
        iiou[str(lid)] = None if d == 0 else tp / d
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"files": files, "iiou": iiou}, f)


if __name__ == "__main__":
    main()

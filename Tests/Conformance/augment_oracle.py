#!/usr/bin/env python3
"""Albumentations 2.0.8 on label masks, for the deterministic transforms: what segscope's augmentation
pipeline must reproduce pixel for pixel (masks move by nearest neighbour and are filled with 255).

Usage: augment_oracle.py OUTDIR. Writes OUTDIR/cases.json:
[{"name", "toml" (the segscope step) or "rot90" (k), "in": FILE, "w", "h", "out": FILE, "ow", "oh"}]
with the masks as uint16 little-endian files.
"""
import json
import os
import sys

import albumentations as A
import cv2
import numpy as np
from albumentations.augmentations.geometric import functional as fgeometric


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(29)
    cases = []

    def save(arr, name):
        arr.astype("<u2").tofile(os.path.join(out, name))

    for (h, w) in [(1, 1), (5, 7), (17, 10), (64, 48), (37, 101)]:
        mask = rng.integers(0, 20, size=(h, w)).astype(np.uint8)
        image = rng.integers(0, 256, size=(h, w, 3)).astype(np.uint8)
        src = f"in-{w}x{h}.bin"
        save(mask, src)

        def case(name, transform, toml):
            res = A.Compose([transform])(image=image, mask=mask)["mask"]
            dst = f"{name}-{w}x{h}.bin"
            save(res, dst)
            cases.append({"name": f"{name} {w}x{h}", "toml": toml, "in": src, "w": w, "h": h, "out": dst, "ow": int(res.shape[1]), "oh": int(res.shape[0])})

        case("hflip", A.HorizontalFlip(p=1), 'name = "HorizontalFlip"')
        case("vflip", A.VerticalFlip(p=1), 'name = "VerticalFlip"')
        if w >= 3 and h >= 3:
            x0, y0, x1, y1 = 1, 1, w - 1, max(2, h - 1)
            case("crop", A.Crop(x_min=x0, y_min=y0, x_max=x1, y_max=y1), f'name = "Crop"\nx_min = {x0}\ny_min = {y0}\nx_max = {x1}\ny_max = {y1}')
            ch, cw = max(1, h - 2), max(1, w - 3)
            case("centercrop", A.CenterCrop(height=ch, width=cw), f'name = "CenterCrop"\nheight = {ch}\nwidth = {cw}')
        for (rh, rw) in [(max(1, h // 2), max(1, w // 3)), (h * 2 + 1, w + 5), (13, 9)]:
            case(f"resize{rh}x{rw}", A.Resize(height=rh, width=rw), f'name = "Resize"\nheight = {rh}\nwidth = {rw}')
        for (mh, mw) in [(h + 3, w + 6), (h + 1, w), (h, w + 1)]:
            case(f"pad{mh}x{mw}", A.PadIfNeeded(min_height=mh, min_width=mw, border_mode=cv2.BORDER_CONSTANT, fill=0, fill_mask=255),
                 f'name = "PadIfNeeded"\nmin_height = {mh}\nmin_width = {mw}\nfill_mask = 255')
        for k in (1, 2, 3):
            res = fgeometric.rot90(mask, k)
            dst = f"rot90-{k}-{w}x{h}.bin"
            save(res, dst)
            cases.append({"name": f"rot90 k={k} {w}x{h}", "rot90": k, "in": src, "w": w, "h": h, "out": dst, "ow": int(res.shape[1]), "oh": int(res.shape[0])})
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print(len(cases), "cases")


if __name__ == "__main__":
    main()

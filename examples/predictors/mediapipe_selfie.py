#!/usr/bin/env python3
"""A real pretrained model for `segscope predict`, offline: MediaPipe's selfie segmenter, whose weights
ship inside the mediapipe wheel (mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite).

    python3 -m venv mp && mp/bin/pip install mediapipe==0.10.21 pillow
    segscope predict DATASET --name selfie --cmd 'mp/bin/python examples/predictors/mediapipe_selfie.py {manifest} --person-class 1'

For each manifest line it writes the label map (PERSON where the model says person, BACKGROUND
elsewhere) to "output" and the model's person probability (0-255) to "confidence".
Options: --person-class N (default 1), --background-class N (default 0), --threshold T (default 0.5),
--landscape (the 144x256 model instead of the general 256x256 one).
"""
import argparse
import json
import os
import sys

import mediapipe as mp
import numpy as np
from PIL import Image, ImageOps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--person-class", type=int, default=1)
    ap.add_argument("--background-class", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--landscape", action="store_true")
    a = ap.parse_args()
    dtype = np.uint16 if max(a.person_class, a.background_class) > 255 else np.uint8
    failed = 0
    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=1 if a.landscape else 0) as model:
        with open(a.manifest) as f:
            for line in f:
                if not line.strip():
                    continue
                item = json.loads(line)
                try:
                    # The image as segscope shows it (Exif orientation applied), RGB.
                    rgb = np.asarray(ImageOps.exif_transpose(Image.open(item["image"])).convert("RGB"))
                    prob = model.process(rgb).segmentation_mask
                    if prob is None:
                        raise RuntimeError("no output from the model")
                    labels = np.where(prob > a.threshold, a.person_class, a.background_class).astype(dtype)
                    os.makedirs(os.path.dirname(item["output"]), exist_ok=True)
                    Image.fromarray(labels).save(item["output"])
                    os.makedirs(os.path.dirname(item["confidence"]), exist_ok=True)
                    Image.fromarray((np.clip(prob, 0, 1) * 255).round().astype(np.uint8)).save(item["confidence"])
                except Exception as e:  # one bad image must not stop the batch; segscope names it
                    failed += 1
                    print(f"{item['image']}: {e}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A stand-in model for segscope's predict protocol, for the tests.

Usage: test_predictor.py MANIFEST. For each line {"id", "image", "output", "probs", "confidence"} it
writes a label map of the image's size (class 1 where the image is brighter than its mean, else 0) and an
8-bit confidence map. Environment:
  PROBS=K             write float16 (K, H, W) softmax probabilities to "probs" instead of the label map
                      (their argmax is the same label map)
  NAN=stem            with PROBS: put a NaN in this image's probabilities and also write its label map
To misbehave on purpose:
  SKIP=stem1,stem2    write nothing for these images
  WRONG=stem          write a mask 1 pixel narrower
  OUTSIDE=stem        write value 77 (outside a small class map)
  EXIT=N              exit with status N after writing (after a line on stderr)
  SLEEP=S             sleep S seconds per sample (to be cancelled)
  LOG=FILE            append each image path to FILE
  CLOBBER=PATH        overwrite the dataset file PATH (an image or a ground-truth mask) with junk
  STDERR_MB=N         write N MiB of chatter to stderr first
  PIDFILE=FILE        write this process's pid to FILE first
"""
import json
import os
import sys
import time

import numpy as np
from PIL import Image


def main():
    skip = set(filter(None, os.environ.get("SKIP", "").split(",")))
    wrong, outside = os.environ.get("WRONG"), os.environ.get("OUTSIDE")
    if os.environ.get("PIDFILE"):
        with open(os.environ["PIDFILE"], "w") as f:
            f.write(str(os.getpid()))
    if os.environ.get("STDERR_MB"):
        line = ("progress: " + "x" * 1014 + "\n").encode()
        for _ in range(int(os.environ["STDERR_MB"]) * 1024):
            sys.stderr.buffer.write(line)
        sys.stderr.buffer.write(b"last words of the model\n")
        sys.stderr.flush()
    if os.environ.get("CLOBBER"):
        with open(os.environ["CLOBBER"], "wb") as f:
            f.write(b"junk")
    with open(sys.argv[1]) as f:
        items = [json.loads(line) for line in f if line.strip()]
    for it in items:
        stem = os.path.splitext(os.path.basename(it["image"]))[0]
        if os.environ.get("LOG"):
            with open(os.environ["LOG"], "a") as log:
                log.write(it["image"] + "\n")
        if os.environ.get("SLEEP"):
            time.sleep(float(os.environ["SLEEP"]))
        if stem in skip:
            continue
        img = np.asarray(Image.open(it["image"]).convert("L"), dtype=np.float64)
        mask = (img > img.mean()).astype(np.uint8)
        if stem == outside:
            mask[0, 0] = 77
        if stem == wrong:
            mask = mask[:, :-1]
        os.makedirs(os.path.dirname(it["output"]), exist_ok=True)
        planes = int(os.environ.get("PROBS", "0"))
        if planes:
            p = np.full((planes,) + mask.shape, 0.1 / max(1, planes - 1), dtype=np.float32)
            for k in range(planes):
                p[k][mask == k] = 0.9
            if stem == os.environ.get("NAN"):
                p[0, 0, 0] = np.nan
                Image.fromarray(mask).save(it["output"])
            np.save(it["probs"], p.astype(np.float16))
        else:
            Image.fromarray(mask).save(it["output"])
        conf = (np.abs(img - img.mean()) / 128 * 255).clip(0, 255).astype(np.uint8)
        os.makedirs(os.path.dirname(it["confidence"]), exist_ok=True)
        Image.fromarray(conf).save(it["confidence"])
    if os.environ.get("EXIT"):
        print("model crashed: CUDA out of memory (pretend)", file=sys.stderr)
        sys.exit(int(os.environ["EXIT"]))


if __name__ == "__main__":
    main()

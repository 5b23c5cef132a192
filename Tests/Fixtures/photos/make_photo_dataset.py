#!/usr/bin/env python3
"""Writes a VOC-style dataset around grace_hopper.jpg: images/, masks/, pred_a/, pred_b/, classes.txt.
Standard library only (PNG written with zlib)."""
import os, shutil, struct, sys, zlib

VOC = ["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
       "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]
W, H = 512, 600


def png(path, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def person(grow):
    """Head: an ellipse; shoulders and body: a trapezoid widening downwards; `grow` widens both."""
    rows = []
    for y in range(H):
        row = [0] * W
        for x in range(W):
            hx, hy = (x - 262) / (92 + grow), (y - 200) / (118 + grow)
            inside = hx * hx + hy * hy <= 1
            if y >= 300 - grow:
                half = 120 + (y - 300) * 0.9 + grow
                inside = inside or abs(x - 262) <= min(W, half)
            row[x] = 15 if inside else 0
        rows.append(row)
    return rows


def main(root):
    for d in ["images", "masks", "pred_a", "pred_b"]:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    shutil.copy(os.path.join(here, "grace_hopper.jpg"), os.path.join(root, "images", "grace_hopper.jpg"))
    with open(os.path.join(root, "classes.txt"), "w") as f:
        f.write("\n".join(VOC) + "\n")
    png(os.path.join(root, "masks", "grace_hopper.png"), person(0))
    png(os.path.join(root, "pred_a", "grace_hopper.png"), person(14))
    tight = person(-10)
    for y in range(480, 590):
        for x in range(8, 110):
            tight[y][x] = 9  # a chair that is not there
    png(os.path.join(root, "pred_b", "grace_hopper.png"), tight)


if __name__ == "__main__":
    main(sys.argv[1])

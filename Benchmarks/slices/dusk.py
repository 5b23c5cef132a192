"""The demo's dusk scenes, as `segscope demo --dusk P` picks them: SplitMix64(index + 0xD05C) % 100 < P."""
import os

M = 2**64


def splitmix(seed):
    z = (seed + 0x9E3779B97F4A7C15) % M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % M
    return z ^ (z >> 31)


def dusk_scenes(samples, percent):
    return {i for i in range(samples) if splitmix(i + 0xD05C) % 100 < percent}


def stem_index(path):
    return int(os.path.splitext(os.path.basename(path))[0].split("_")[-1])


def jaccard(paths, dusk):
    s = {stem_index(p) for p in paths}
    return len(s & dusk) / max(1, len(s | dusk))

"""The circular equivariant local score machine (ELS) of a training set: for every pixel u, a
softmax over every P x P patch y (all images, all positions, windows wrapping) of
-|x_W(u) - alpha y|^2 / (2 sigma^2), and D(u) = the weighted mean of the patches' centres.
A numpy twin of the built-in `els` model for the external tests.
Usage: python3 els_server.py IMAGES.npy P"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "Python"))
from criticality_denoiser import serve  # noqa: E402

images, P = np.load(sys.argv[1]).astype(np.float64), int(sys.argv[2])
h = P // 2


def windows(x):
    """(..., H, W) -> (..., H, W, P*P): the circular P x P window around every pixel."""
    p = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(h, h), (h, h)], mode="wrap")
    return np.lib.stride_tricks.sliding_window_view(p, (P, P), axis=(-2, -1)).reshape(x.shape + (P * P,))


patches = windows(images).reshape(-1, P * P)          # every candidate patch
centres = patches[:, (P * P) // 2]


def denoise(x, t, alpha, sigma, cls):
    w = windows(x)                                     # B, H, W, P*P
    d2 = (w**2).sum(-1)[..., None] - 2 * alpha * w @ patches.T + alpha**2 * (patches**2).sum(-1)
    logits = -d2 / (2 * sigma**2)
    logits -= logits.max(-1, keepdims=True)
    p = np.exp(logits)
    return (p @ centres) / p.sum(-1)


serve(denoise)

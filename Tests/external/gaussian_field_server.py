"""The Wiener filter of a stationary Gaussian field with the Ornstein-Zernike spectrum
P(k) = A / (1 + xi^2 |k|^2) (lattice units, spacing 1), answering as x0, epsilon, score or v:
a numpy twin of the built-in gaussian-field model for the external tests.
Usage: python3 gaussian_field_server.py A XI PREDICTS"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "Python"))
from criticality_denoiser import serve  # noqa: E402

A, XI, PREDICTS = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]


def power(shape):
    ks = [2 * np.pi * np.fft.fftfreq(n) for n in shape[:-1]] + [2 * np.pi * np.fft.rfftfreq(shape[-1])]
    k2 = sum(np.meshgrid(*[k**2 for k in ks], indexing="ij"))
    return A / (1 + XI**2 * k2)


def denoise(x, t, alpha, sigma, cls):
    shape = x.shape[1:]
    axes = tuple(range(1, x.ndim))
    p = power(shape)
    d = np.fft.irfftn(np.fft.rfftn(x, axes=axes) * (alpha * p / (alpha**2 * p + sigma**2)), s=shape, axes=axes)
    if PREDICTS == "x0":
        return d
    eps = (x - alpha * d) / sigma
    if PREDICTS == "epsilon":
        return eps
    if PREDICTS == "score":
        return (alpha * d - x) / sigma**2
    return alpha * eps - sigma * d  # v


serve(denoise)

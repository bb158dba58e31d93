"""The binary patch model D = tanh(alpha (K * x) / sigma^2), K the P x P box of ones on the
periodic lattice, by FFT convolution: a numpy twin of the built-in model for the external tests.
Usage: python3 binary_patch_server.py P"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "Python"))
from criticality_denoiser import serve  # noqa: E402

P = int(sys.argv[1])
kernels = {}


def kernel(shape):
    if shape not in kernels:
        k = np.zeros(shape)
        h = P // 2
        idx = [np.arange(-h, h + 1) % n for n in shape]
        k[np.ix_(*idx)] = 1.0
        kernels[shape] = np.fft.rfftn(k)
    return kernels[shape]


def denoise(x, t, alpha, sigma, cls):
    shape = x.shape[1:]
    axes = tuple(range(1, x.ndim))
    conv = np.fft.irfftn(np.fft.rfftn(x, axes=axes) * kernel(shape), s=shape, axes=axes)
    return np.tanh(alpha * conv / sigma**2)


serve(denoise)

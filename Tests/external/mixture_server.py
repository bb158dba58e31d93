"""A class-conditional network: the two-component isotropic mixture N(+m, s^2 I) (class 0) and
N(-m, s^2 I) (class 1), equal weights. A class label gives that component's posterior mean; null
gives the mixture's (the unconditional model). Usage: python3 mixture_server.py M S2"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "Python"))
from criticality_denoiser import serve  # noqa: E402

M, S2 = float(sys.argv[1]), float(sys.argv[2])


def denoise(x, t, alpha, sigma, cls):
    b = x.reshape(len(x), -1)
    v = alpha**2 * S2 + sigma**2
    means = np.array([M, -M])
    # D_i = mu_i + alpha s^2 / v (x - alpha mu_i), per component
    d = means[None, :, None] + alpha * S2 / v * (b[:, None, :] - alpha * means[None, :, None])
    logp = -((b[:, None, :] - alpha * means[None, :, None]) ** 2).sum(-1) / (2 * v)
    p = np.exp(logp - logp.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    out = np.einsum("bk,bkn->bn", p, d)
    for i, c in enumerate(cls):
        if c is not None:
            out[i] = d[i, c]
    return out.reshape(x.shape)


serve(denoise)

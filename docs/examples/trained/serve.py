"""Serve a trained denoiser of this folder to Criticality (numpy only).

    python3 serve.py weights/digits.npz

The network predicts v = α ε − σ x0 (model.predicts = "v" in the parameter files); its time input
is log λ = log(α²/σ²) from each request's header, so it serves any schedule.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "Sources", "Python"))
from criticality_denoiser import serve  # noqa: E402
from network import Network  # noqa: E402

net = Network(sys.argv[1])


def v(x, t, alpha, sigma, cls):
    return net.v(x, np.log(alpha**2 / sigma**2), cls)


serve(v)

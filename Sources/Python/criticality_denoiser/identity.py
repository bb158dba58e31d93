"""The identity network (D = x): `python3 -m criticality_denoiser.identity` serves it, for timing
the transport alone (`criticality bench --external`)."""
from . import serve

if __name__ == "__main__":
    serve(lambda x, t, alpha, sigma, cls: x)

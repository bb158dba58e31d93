"""Open a Criticality results folder, or a scan folder, as an ``xarray.Dataset``.

    >>> from criticality_results import open_results
    >>> ds = open_results("results/binary-patch")
    >>> ds.xi.sel(field="sign_D", estimator="xi_1e").plot(x="t", xscale="log")

Every ``.npy`` array of a run becomes a variable with named dimensions, as recorded in the
run's ``run.json`` (``arrays``): ``t``, ``field``, ``estimator``, ``k``, ``r``, ``member``,
``y``, ``x`` and so on. A one-dimensional array named like its dimension (``t.npy`` along
``t``) is that dimension's coordinate; categorical dimensions (``field``, ``estimator``)
carry their labels. ``summary.json`` and the run record become attributes.

A scan folder becomes one variable per column of its table, indexed by the scanned
parameters (a grid of several parameters is unstacked into one dimension each).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

__all__ = ["open_results"]


def open_results(folder):
    """The results folder (or scan folder) ``folder`` as an ``xarray.Dataset``."""
    import xarray as xr

    folder = Path(folder)
    run = _json(folder / "run.json")
    if run.get("package") != "Criticality":
        raise ValueError(f"{folder}/run.json: not a Criticality results folder")
    summary = _json(folder / "summary.json") if (folder / "summary.json").exists() else {}
    if "scan" in run:
        ds = _scan(folder, run, summary, xr)
    else:
        ds = _run(folder, run, xr)
    ds.attrs = _attributes(run, summary)
    return ds


def _json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _run(folder, run, xr):
    arrays = run.get("arrays")
    if arrays is None:
        raise ValueError(f"{folder}/run.json has no 'arrays' (written before version 0.2): run it again")
    coords, variables = {}, {}
    for name, spec in sorted(arrays.items()):
        values = np.load(folder / name)
        dims, stem = tuple(spec["dims"]), name[: -len(".npy")]
        if values.ndim != len(dims):
            raise ValueError(f"{folder}/{name}: {values.ndim} axes, run.json names {len(dims)}")
        if dims == (stem,):
            coords[stem] = values
        else:
            variables[stem] = (dims, values)
        for dim, labels in spec.get("labels", {}).items():
            if coords.setdefault(dim, list(labels)) != list(labels):
                raise ValueError(f"{folder}/{name}: labels of '{dim}' differ from another array's")
    return xr.Dataset(variables, coords=coords)


def _scan(folder, run, summary, xr):
    table = np.load(folder / "scan.npy")
    columns = summary["columns"]
    axes = run["scan"]["axes"]
    ds = xr.Dataset({c: ("point", table[:, j]) for j, c in enumerate(columns) if c not in axes},
                    coords={a: ("point", table[:, columns.index(a)]) for a in axes})
    ds = ds.set_index(point=axes)
    if len(axes) > 1 and math.prod(len(set(table[:, columns.index(a)])) for a in axes) == len(table):
        ds = ds.unstack("point")
    elif len(axes) == 1:
        ds = ds.rename({"point": axes[0]})
    return ds


def _attributes(run, summary):
    """Scalars, strings and lists of numbers as they are (NaN for JSON's null); anything else
    (nested tables, such as the run's parameters) as JSON text."""
    attrs = {}
    for source, prefix in ((summary, ""), (run, "run_")):
        for key, value in source.items():
            if key in ("files", "arrays"):
                continue
            attrs[prefix + key] = _attribute(value)
    return attrs


def _attribute(value):
    if value is None:
        return math.nan
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list) and all(isinstance(v, (int, float)) or v is None for v in value):
        return [math.nan if v is None else v for v in value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return json.dumps(value, sort_keys=True)

"""Checks criticality_results.open_results on results folders: every .npy of a run is in the
Dataset bit for bit with every dimension named as run.json records it; a scan's table columns
are its variables. Usage: python3 check_results.py FOLDER ...; exit status 1 on a failure."""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Sources" / "Python"))
from criticality_results import open_results  # noqa: E402

failures = []
for folder in map(Path, sys.argv[1:]):
    ds = open_results(folder)
    run = json.loads((folder / "run.json").read_text())
    for dim in ds.dims:
        if str(dim).startswith("dim_"):
            failures.append(f"{folder}: unnamed dimension {dim}")
    if "scan" in run:
        table = np.load(folder / "scan.npy")
        columns = json.loads((folder / "summary.json").read_text())["columns"]
        axes = run["scan"]["axes"]
        # One axis keeps the table's order; a grid is compared as sorted values.
        for j, c in enumerate(columns):
            got, want = np.asarray(ds[c].values, dtype=float).ravel(), table[:, j]
            same = got.tobytes() == want.tobytes() if len(axes) == 1 else np.array_equal(np.sort(got), np.sort(want), equal_nan=True)
            if not same:
                failures.append(f"{folder}: scan column {c} differs")
        print(f"{folder.name}: scan of {len(table)} points, dimensions {dict(ds.sizes)}")
        continue
    arrays = run["arrays"]
    on_disk = sorted(p.name for p in folder.glob("*.npy"))
    if on_disk != sorted(arrays):
        failures.append(f"{folder}: arrays in run.json {sorted(arrays)} but files {on_disk}")
    for name, spec in arrays.items():
        stem, expected = name[:-4], np.load(folder / name)
        got = ds[stem]
        if got.dims != tuple(spec["dims"]):
            failures.append(f"{folder}/{name}: dims {got.dims}, run.json {spec['dims']}")
        if got.values.dtype != expected.dtype or got.values.tobytes() != expected.tobytes() or got.shape != expected.shape:
            failures.append(f"{folder}/{name}: values differ from the file")
        for dim, labels in spec.get("labels", {}).items():
            if list(ds[dim].values) != labels:
                failures.append(f"{folder}/{name}: labels of {dim} differ")
    print(f"{folder.name}: {len(arrays)} arrays, dimensions {dict(ds.sizes)}")
print("\n".join(failures) or "all arrays round-trip")
sys.exit(1 if failures else 0)

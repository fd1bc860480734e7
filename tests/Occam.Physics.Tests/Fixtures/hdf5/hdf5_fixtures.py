"""HDF5 fixtures for Occam's tests, and the h5py check of files Occam writes (Debian: apt-get install python3-h5py).

    /usr/bin/python3 hdf5_fixtures.py make                    # writes h5py_tables.h5 and h5py_particles.h5 here (committed)
    /usr/bin/python3 hdf5_fixtures.py check FILE              # FILE written by Occam holds OCCAM_WRITTEN exactly
    /usr/bin/python3 hdf5_fixtures.py check-particles H5 NPZ  # an `occam simulate` HDF5 file holds what its .npz holds

The known values below are the reference: the C# tests (Hdf5Tests) state the same numbers independently. `check` and
`check-particles` print "ok" and exit 0, or print each mismatch and exit 1; without h5py they exit 3.
"""
import os
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:  # the C# test shows this line
    print(f"h5py is missing ({e}); install it with: apt-get install python3-h5py")
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------------------------------
# Fixtures written by h5py (read by Occam in Hdf5Tests).

TABLE = {  # /table: a group of 1-D columns of several types
    "x": np.array([0.5, -1.25, 3.0, 1e-300, 2.0 / 3.0], dtype="<f8"),
    "y": np.array([1.0, 0.1, -2.5, 1e300, np.pi], dtype="<f8"),
    "w": np.array([1.5, -2.25, 3.1415927, 1e-3, 0.0], dtype="<f4"),
    "n": np.array([-1, 0, 2147483647, -2147483648, 7], dtype="<i4"),
    "k": np.array([-(2**62), 0, 2**40, 9, -3], dtype="<i8"),
    "u": np.array([0, 1, 255, 128, 2], dtype="u1"),
    "b": np.array([True, False, True, True, False]),
}
MATRIX = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.1, 0.2, 0.3], [-1.0, -2.0, -3.0]], dtype="<f8")
GZ = (np.arange(300, dtype="<f8").reshape(100, 3) - 150) / 7  # chunked, shuffle + gzip
HALOS = {  # /halos: the eight halo catalogue columns, the mass named "mass" (an accepted alias of M)
    "x": np.array([0.1, 0.2, 0.3]), "y": np.array([0.4, 0.5, 0.6]), "z": np.array([0.7, 0.8, 0.9]),
    "vx": np.array([1.0, -1.0, 0.5]), "vy": np.array([0.0, 2.0, -0.5]), "vz": np.array([3.0, 0.25, 1.5]),
    "mass": np.array([1e12, 2.5e12, 4e11]), "delta": np.array([0.01, -0.2, 1.5]),
}

# a small particle data set in Occam's layout (docs/data-format.md)
SIMS, STEPS, BODIES, DIM = 2, 3, 4, 2
FRAMES = (SIMS, STEPS, BODIES, DIM)
PARTICLES = {
    "positions": (np.arange(48, dtype="<f8").reshape(FRAMES) - 20) / 16,
    "velocities": np.sin(np.arange(48, dtype="<f8")).reshape(FRAMES),
    "accelerations": -np.cos(np.arange(48, dtype="<f8")).reshape(FRAMES) / 3,
    "masses": np.array([[1.0, 2.0, 0.5, 4.0], [0.25, 1.5, 3.0, 1.0]]),
    "charges": np.array([[1.0, -1.0, 1.0, -1.0], [-1.0, -1.0, 1.0, 1.0]]),
}
SETTINGS = {
    "dt": 0.01, "system": "spring", "potential": "", "sims": SIMS, "steps": STEPS, "bodies": BODIES, "dim": DIM,
    "seed": 7, "tolerance": 1e-10, "softening": 0.01, "damping": 0.0, "integrator": "dopri5",
}


def make():
    with h5py.File(os.path.join(HERE, "h5py_tables.h5"), "w") as f:
        f.attrs["title"] = "tables written by h5py"            # variable-length UTF-8 string
        f.attrs["fixed"] = np.bytes_("fixed-length")           # fixed-length ASCII string
        f.attrs["version"] = np.int64(3)
        f.attrs["scale"] = 0.5
        g = f.create_group("table")
        for name, values in TABLE.items():
            g[name] = values
        g["label"] = np.array(["a", "bb", "ccc", "d", "e"], dtype=h5py.string_dtype())  # not a column: strings
        g["grid"] = MATRIX                                       # not a column: 2-D
        m = f.create_dataset("matrix", data=MATRIX)
        m.attrs["columns"] = ["a", "b", "target"]
        f["plain"] = MATRIX                                      # no columns attribute: c0, c1, c2
        gz = f.create_dataset("gz", data=GZ, chunks=(16, 3), compression="gzip", compression_opts=6, shuffle=True)
        gz.attrs["columns"] = ["p", "q", "r"]
        f["bigendian/f8"] = np.array([1.5, -2.0, 3.25], dtype=">f8")
        f["bigendian/i4"] = np.array([-7, 65536, 1], dtype=">i4")
        f["strings"] = np.array(["h\u00e9llo", "\u00df\u2211", ""], dtype=h5py.string_dtype())
        f["scalar"] = 2.5
        f["nan/x"] = np.array([1.0, 2.0, 3.0])
        f["nan/y"] = np.array([1.0, np.nan, 3.0])
        f.create_dataset("lzf", data=np.arange(8.0), chunks=(4,), compression="lzf")  # a filter Occam cannot read
        f["compound"] = np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")])
        h = f.create_group("halos")
        for name, values in HALOS.items():
            h[name] = values
        cat = f.create_dataset("halos2d", data=np.stack([HALOS[c] for c in ["x", "y", "z", "vx", "vy", "vz", "mass", "delta"]], axis=1))
        cat.attrs["columns"] = ["x", "y", "z", "vx", "vy", "vz", "M", "delta"]

    with h5py.File(os.path.join(HERE, "h5py_particles.h5"), "w") as f:
        # at the root: arrays as datasets, settings as attributes (as Occam writes)
        for name, values in PARTICLES.items():
            f[name] = values
        for name, value in SETTINGS.items():
            f.attrs[name] = np.int64(value) if isinstance(value, int) else value
        # in a group: the settings as scalar datasets, the arrays float32 and gzip-compressed
        g = f.create_group("runs/run1")
        for name, values in PARTICLES.items():
            g.create_dataset(name, data=values.astype("<f4"), compression="gzip")
        for name, value in SETTINGS.items():
            g[name] = np.int64(value) if isinstance(value, int) else value
        g["notes"] = "other members are ignored"


# ---------------------------------------------------------------------------------------------------------------------
# What the C# test writes with Occam's Hdf5.Write; h5py must read exactly this.

OCCAM_WRITTEN = {
    "datasets": {
        "f64": np.array([[0.5, -1.25, 3.0], [1e-300, -0.0, 2.0 / 3.0]], dtype="<f8"),
        "f32": np.array([1.5, -2.25, 3.1415927], dtype="<f4"),
        "i64": np.array([[-(2**62), 0], [2**40, -3]], dtype="<i8"),
        "i32": np.array([-1, 0, 2147483647], dtype="<i4"),
        "flags": np.array([1, 0, 1], dtype="u1"),
        "names": np.array(["a", "h\u00e9llo", "\u00df\u2211"], dtype=object),
        "answer": np.array(42.5, dtype="<f8"),
    },
    "attributes": {"title": "Occam \u2713 HDF5", "count": np.int64(7), "dt": np.float64(0.001)},
}


def check(path):
    errors = []
    with h5py.File(path, "r") as f:
        want = OCCAM_WRITTEN["datasets"]
        if sorted(f.keys()) != sorted(want):
            errors.append(f"datasets {sorted(f.keys())}, expected {sorted(want)}")
        for name, expected in want.items():
            if name not in f:
                continue
            d = f[name]
            if expected.dtype == object:
                got = d.asstr()[...]
                if got.shape != expected.shape or list(got.ravel()) != list(expected.ravel()):
                    errors.append(f"{name}: {got!r}, expected {expected!r}")
                continue
            got = d[...]
            if got.dtype != expected.dtype or got.shape != expected.shape:
                errors.append(f"{name}: {got.dtype} {got.shape}, expected {expected.dtype} {expected.shape}")
            elif got.tobytes() != expected.tobytes():  # bit for bit (so -0.0 and 1e-300 count)
                errors.append(f"{name}: {got!r}, expected {expected!r}")
        for name, expected in OCCAM_WRITTEN["attributes"].items():
            if name not in f.attrs:
                errors.append(f"attribute {name} missing")
                continue
            got = f.attrs[name]
            if type(got) is not type(expected) or got != expected:
                errors.append(f"attribute {name}: {got!r} ({type(got).__name__}), expected {expected!r} ({type(expected).__name__})")
    return errors


def check_particles(h5, npz):
    errors = []
    d = np.load(npz)
    with h5py.File(h5, "r") as f:
        for name in d.files:
            expected = d[name]
            if expected.ndim > 0:
                if name not in f:
                    errors.append(f"dataset {name} missing")
                    continue
                got = f[name][...]
                if got.dtype != expected.dtype or got.shape != expected.shape or got.tobytes() != expected.tobytes():
                    errors.append(f"{name}: {got.dtype} {got.shape} differs from the .npz's {expected.dtype} {expected.shape}")
            else:
                if name not in f.attrs:
                    errors.append(f"attribute {name} missing")
                    continue
                got = f.attrs[name]
                same = str(got) == str(expected) if expected.dtype.kind == "U" else (np.asarray(got).dtype == expected.dtype and got == expected)
                if not same:
                    errors.append(f"attribute {name}: {got!r}, the .npz has {expected!r}")
        extra = sorted((set(f.keys()) | set(f.attrs.keys())) - set(d.files))
        if extra:
            errors.append(f"members not in the .npz: {extra}")
    return errors


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["make"]:
        make()
        sys.exit(0)
    if len(args) == 2 and args[0] == "check":
        problems = check(args[1])
    elif len(args) == 3 and args[0] == "check-particles":
        problems = check_particles(args[1], args[2])
    else:
        print(__doc__)
        sys.exit(2)
    for p in problems:
        print(p)
    print("ok" if not problems else f"{len(problems)} mismatches")
    sys.exit(1 if problems else 0)

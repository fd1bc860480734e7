"""Makes the numpy byte fixtures for Occam.Physics.Tests (run with numpy >= 1.23; committed output).

    cd tests/Occam.Physics.Tests/Fixtures && python3 make_fixtures.py
"""
import numpy as np

np.save("f8_2x3.npy", np.array([[0.5, -1.25, 3.0], [1e-300, -0.0, 2.0 / 3.0]], dtype="<f8"))
np.save("f4_4.npy", np.array([1.5, -2.25, 3.1415927, 1e-3], dtype="<f4"))
np.save("i8_2x2x2.npy", (np.arange(8, dtype="<i8") - 4).reshape(2, 2, 2))
np.save("i4_3.npy", np.array([-1, 0, 2147483647], dtype="<i4"))
np.save("b1_2x2.npy", np.array([[True, False], [False, True]]))
np.save("u_scalar.npy", np.array("spring"))
np.save("u_1d.npy", np.array(["a", "h\u00e9llo", "\u00df\u2211"]))
np.save("f8_scalar.npy", np.array(0.001))
np.save("i8_scalar.npy", np.array(42, dtype="<i8"))
np.save("f8_empty_0x3.npy", np.zeros((0, 3)))
np.save("f8_100x1.npy", np.arange(100, dtype="<f8").reshape(100, 1) / 8)
# Fortran order: read-only fixture (Occam writes C order).
np.save("f8_fortran_2x3.npy", np.asfortranarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])))

positions = (np.arange(2 * 3 * 4 * 2, dtype="<f8").reshape(2, 3, 4, 2) - 20) / 16
masses = np.array([[1.0, 2.0, 0.5, 4.0], [0.25, 1.5, 3.0, 1.0]])
arrays = dict(positions=positions, masses=masses, dt=np.array(0.01), system=np.array("spring"),
              seed=np.array(7, dtype="<i8"))
np.savez("sample.npz", **arrays)
np.savez_compressed("sample_compressed.npz", **arrays)

# Big-endian: read-only fixtures (Occam writes little-endian).
np.save("f8_big_3.npy", np.array([1.5, -2.0, 3.25], dtype=">f8"))
np.save("i4_big_2.npy", np.array([-7, 65536], dtype=">i4"))

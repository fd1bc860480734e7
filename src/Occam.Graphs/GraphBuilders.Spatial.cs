namespace Occam.Graphs;

public static partial class GraphBuilders
{
    /// <summary>
    /// All ordered pairs of distinct points at Euclidean distance ≤ <paramref name="radius"/> (both directions are
    /// returned), plus self-edges when asked. Uses a cell list, so memory is O(N + edges) and the time is
    /// O(N + edges) for roughly uniform points. Output sorted by receiver, then sender.
    /// </summary>
    /// <param name="positions">Row-major coordinates, <c>N × dim</c>.</param>
    /// <param name="dim">Spatial dimension, 1 to 3.</param>
    /// <param name="radius">Cut-off radius (positive, finite).</param>
    /// <param name="selfEdges">Whether to add an edge i → i for every point.</param>
    public static (long[] Senders, long[] Receivers) RadiusGraph(ReadOnlySpan<double> positions, int dim, double radius, bool selfEdges = false)
    {
        if (!(radius > 0) || double.IsInfinity(radius))
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "Radius must be positive and finite.");
        var grid = CellGrid.Build(positions, dim, radius, nameof(positions));
        var n = grid.Count;
        var r2 = radius * radius;
        // Receivers in chunks, each chunk collecting its edges in receiver order; chunks are then concatenated.
        const int chunk = 2048;
        var chunks = (n + chunk - 1) / chunk;
        var parts = new long[chunks][];
        var counts = new int[n];
        Parallel.For(0, chunks, c =>
        {
            var buffer = new List<long>(chunk * 8);
            var end = Math.Min(n, (c + 1) * chunk);
            for (var i = c * chunk; i < end; i++)
            {
                var start = buffer.Count;
                grid.CollectWithin(i, r2, selfEdges, buffer);
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer)[start..].Sort();
                counts[i] = buffer.Count - start;
            }
            parts[c] = buffer.ToArray();
        });
        var total = parts.Sum(p => p.LongLength);
        var senders = new long[total];
        var receivers = new long[total];
        long offset = 0;
        foreach (var part in parts)
        {
            Array.Copy(part, 0, senders, offset, part.LongLength);
            offset += part.LongLength;
        }
        offset = 0;
        for (var i = 0; i < n; i++)
        {
            receivers.AsSpan((int)offset, counts[i]).Fill(i);
            offset += counts[i];
        }
        return (senders, receivers);
    }

    /// <summary><see cref="RadiusGraph(ReadOnlySpan{double}, int, double, bool)"/> for single-precision coordinates.</summary>
    public static (long[] Senders, long[] Receivers) RadiusGraph(ReadOnlySpan<float> positions, int dim, double radius, bool selfEdges = false) =>
        RadiusGraph(ToDouble(positions), dim, radius, selfEdges);

    /// <summary><see cref="KNearestGraph(ReadOnlySpan{double}, int, int, bool)"/> for single-precision coordinates.</summary>
    public static (long[] Senders, long[] Receivers) KNearestGraph(ReadOnlySpan<float> positions, int dim, int k, bool selfEdges = false) =>
        KNearestGraph(ToDouble(positions), dim, k, selfEdges);

    private static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }

    /// <summary>
    /// For every point (the receiver), edges from its <paramref name="k"/> nearest other points (the senders;
    /// ties broken by the smaller index), or from all other points when there are fewer than k.
    /// With <paramref name="selfEdges"/> the point itself is added as an extra sender. Uses a cell list searched in
    /// growing shells, so memory is O(N·k). Output sorted by receiver, then sender.
    /// </summary>
    public static (long[] Senders, long[] Receivers) KNearestGraph(ReadOnlySpan<double> positions, int dim, int k, bool selfEdges = false)
    {
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must not be negative.");
        var grid = CellGrid.Build(positions, dim, null, nameof(positions), targetPerCell: Math.Max(2, k / 4));
        var n = grid.Count;
        var kk = (int)Math.Min(k, Math.Max(n - 1, 0));
        var per = kk + (selfEdges ? 1 : 0);
        var senders = new long[(long)n * per];
        var receivers = new long[(long)n * per];
        Parallel.For(0, n, () => new KnnScratch(kk), (i, _, scratch) =>
        {
            var start = (long)i * per;
            grid.Nearest(i, kk, scratch);
            for (var j = 0; j < kk; j++) senders[start + j] = scratch.Index[j];
            if (selfEdges) senders[start + kk] = i;
            Array.Sort(senders, (int)start, per);
            receivers.AsSpan((int)start, per).Fill(i);
            return scratch;
        }, _ => { });
        return (senders, receivers);
    }

    internal sealed class KnnScratch(int k)
    {
        public readonly double[] Dist = new double[Math.Max(k, 1)];
        public readonly int[] Index = new int[Math.Max(k, 1)];
        public int Size;
    }

    /// <summary>Points sorted into a uniform grid of cubic cells (coordinates padded to 3-D).</summary>
    private sealed class CellGrid
    {
        private readonly double[] xyz;      // 3 per point, original order
        private readonly int[] cellStart;   // cell → first slot in sorted
        private readonly int[] sorted;      // point indices grouped by cell
        private readonly int[] pointCell;   // point → its cell coordinates packed
        private readonly double[] sx, sy, sz; // coordinates in cell-sorted order
        private readonly int nx, ny, nz;
        private readonly double x0, y0, z0, cell;

        private CellGrid(double[] xyz, int count, double cell, double x0, double y0, double z0, int nx, int ny, int nz)
        {
            this.xyz = xyz;
            Count = count;
            this.cell = cell;
            (this.x0, this.y0, this.z0) = (x0, y0, z0);
            (this.nx, this.ny, this.nz) = (nx, ny, nz);
            var cells = nx * ny * nz;
            cellStart = new int[cells + 1];
            pointCell = new int[count];
            for (var i = 0; i < count; i++)
            {
                var c = CellOf(i);
                pointCell[i] = c;
                cellStart[c + 1]++;
            }
            for (var c = 0; c < cells; c++) cellStart[c + 1] += cellStart[c];
            sorted = new int[count];
            var fill = (int[])cellStart.Clone();
            for (var i = 0; i < count; i++) sorted[fill[pointCell[i]]++] = i;
            sx = new double[count];
            sy = new double[count];
            sz = new double[count];
            for (var slot = 0; slot < count; slot++)
            {
                var i = sorted[slot];
                sx[slot] = xyz[3 * i];
                sy[slot] = xyz[3 * i + 1];
                sz[slot] = xyz[3 * i + 2];
            }
        }

        public int Count { get; }

        public static CellGrid Build(ReadOnlySpan<double> positions, int dim, double? radius, string paramName, int targetPerCell = 2)
        {
            if (dim is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(dim), dim, "Spatial graph builders support 1 to 3 dimensions.");
            if (positions.Length % dim != 0)
                throw new ArgumentException($"Positions have {positions.Length} values, not a multiple of dim = {dim}.", paramName);
            var n = positions.Length / dim;
            var xyz = new double[3 * n];
            var lo = new[] { double.MaxValue, double.MaxValue, double.MaxValue };
            var hi = new[] { double.MinValue, double.MinValue, double.MinValue };
            for (var i = 0; i < n; i++)
                for (var d = 0; d < 3; d++)
                {
                    var v = d < dim ? positions[i * dim + d] : 0.0;
                    if (!double.IsFinite(v)) throw new ArgumentException($"Position of point {i}, coordinate {d}, is {v}.", paramName);
                    xyz[3 * i + d] = v;
                    lo[d] = Math.Min(lo[d], v);
                    hi[d] = Math.Max(hi[d], v);
                }
            if (n == 0) return new CellGrid(xyz, 0, 1, 0, 0, 0, 1, 1, 1);
            var extent = new double[3];
            for (var d = 0; d < 3; d++) extent[d] = hi[d] - lo[d];
            double cell;
            if (radius is { } r) cell = r;
            else
            {
                // Aim at about targetPerCell points per cell in the occupied dimensions.
                var active = extent.Where(e => e > 0).ToArray();
                var volume = active.Aggregate(1.0, (a, b) => a * b);
                cell = active.Length == 0 ? 1.0 : Math.Pow(volume * targetPerCell / n, 1.0 / active.Length);
                if (!(cell > 0) || !double.IsFinite(cell)) cell = Math.Max(active.DefaultIfEmpty(1.0).Max(), 1e-300);
            }
            // Keep the number of cells O(N): a cell may be larger than the radius, never smaller.
            var maxCells = Math.Max(64.0, 4.0 * n);
            while (true)
            {
                double total = 1;
                for (var d = 0; d < 3; d++) total *= Math.Floor(extent[d] / cell) + 1;
                if (total <= maxCells) break;
                cell *= 1.5;
            }
            var dims = new int[3];
            for (var d = 0; d < 3; d++) dims[d] = (int)Math.Floor(extent[d] / cell) + 1;
            return new CellGrid(xyz, n, cell, lo[0], lo[1], lo[2], dims[0], dims[1], dims[2]);
        }

        private int Coord(double v, double origin, int size) => Math.Clamp((int)Math.Floor((v - origin) / cell), 0, size - 1);

        private int CellOf(int i)
        {
            var cx = Coord(xyz[3 * i], x0, nx);
            var cy = Coord(xyz[3 * i + 1], y0, ny);
            var cz = Coord(xyz[3 * i + 2], z0, nz);
            return (cz * ny + cy) * nx + cx;
        }

        private void Unpack(int c, out int cx, out int cy, out int cz)
        {
            cx = c % nx;
            cy = c / nx % ny;
            cz = c / (nx * ny);
        }

        public void CollectWithin(int i, double r2, bool self, List<long> output)
        {
            Unpack(pointCell[i], out var cx, out var cy, out var cz);
            var px = xyz[3 * i];
            var py = xyz[3 * i + 1];
            var pz = xyz[3 * i + 2];
            var xlo = Math.Max(cx - 1, 0);
            var xhi = Math.Min(cx + 1, nx - 1);
            for (var z = Math.Max(cz - 1, 0); z <= Math.Min(cz + 1, nz - 1); z++)
                for (var y = Math.Max(cy - 1, 0); y <= Math.Min(cy + 1, ny - 1); y++)
                {
                    // Cells xlo..xhi of one row are consecutive, so their points are one run of slots.
                    var row = (z * ny + y) * nx;
                    var end = cellStart[row + xhi + 1];
                    for (var slot = cellStart[row + xlo]; slot < end; slot++)
                    {
                        var dx = sx[slot] - px;
                        var dy = sy[slot] - py;
                        var dz = sz[slot] - pz;
                        if (dx * dx + dy * dy + dz * dz <= r2)
                        {
                            var j = sorted[slot];
                            if (j != i || self) output.Add(j);
                        }
                    }
                }
        }

        /// <summary>Fills scratch.Index[0..k) with the k nearest other points of i (by distance, then index).</summary>
        public void Nearest(int i, int k, KnnScratch scratch)
        {
            scratch.Size = 0;
            if (k == 0) return;
            Unpack(pointCell[i], out var cx, out var cy, out var cz);
            var px = xyz[3 * i];
            var py = xyz[3 * i + 1];
            var pz = xyz[3 * i + 2];
            var maxShell = Math.Max(nx, Math.Max(ny, nz));
            for (var shell = 0; shell <= maxShell; shell++)
            {
                for (var z = cz - shell; z <= cz + shell; z++)
                {
                    if (z < 0 || z >= nz) continue;
                    for (var y = cy - shell; y <= cy + shell; y++)
                    {
                        if (y < 0 || y >= ny) continue;
                        var onFace = Math.Abs(z - cz) == shell || Math.Abs(y - cy) == shell;
                        for (var x = cx - shell; x <= cx + shell; x++)
                        {
                            if (x < 0 || x >= nx) continue;
                            if (!onFace && Math.Abs(x - cx) != shell) continue;
                            var c = (z * ny + y) * nx + x;
                            for (var slot = cellStart[c]; slot < cellStart[c + 1]; slot++)
                            {
                                var j = sorted[slot];
                                if (j == i) continue;
                                var dx = sx[slot] - px;
                                var dy = sy[slot] - py;
                                var dz = sz[slot] - pz;
                                Offer(scratch, k, dx * dx + dy * dy + dz * dz, j);
                            }
                        }
                    }
                }
                if (scratch.Size == k)
                {
                    // Any point outside the searched block is farther than the block's nearest face.
                    var face = double.MaxValue;
                    face = Math.Min(face, BlockFace(px, x0, cx, shell));
                    face = Math.Min(face, BlockFace(py, y0, cy, shell));
                    face = Math.Min(face, BlockFace(pz, z0, cz, shell));
                    if (face * face > scratch.Dist[0]) break;
                }
            }
            // Heap → ascending (distance, index).
            Array.Sort(scratch.Dist, scratch.Index, 0, k);
        }

        private double BlockFace(double p, double origin, int c, int shell)
        {
            var lo = origin + (c - shell) * cell;
            var hi = origin + (c + shell + 1) * cell;
            return Math.Min(p - lo, hi - p);
        }

        // Max-heap on (distance, index) holding the k best candidates.
        private static void Offer(KnnScratch h, int k, double d, int j)
        {
            if (h.Size < k)
            {
                var pos = h.Size++;
                h.Dist[pos] = d;
                h.Index[pos] = j;
                while (pos > 0)
                {
                    var parent = (pos - 1) / 2;
                    if (!Worse(h.Dist[pos], h.Index[pos], h.Dist[parent], h.Index[parent])) break;
                    Swap(h, pos, parent);
                    pos = parent;
                }
                return;
            }
            if (!Worse(h.Dist[0], h.Index[0], d, j)) return;
            h.Dist[0] = d;
            h.Index[0] = j;
            var p = 0;
            while (true)
            {
                var l = 2 * p + 1;
                var r = l + 1;
                var worst = p;
                if (l < k && Worse(h.Dist[l], h.Index[l], h.Dist[worst], h.Index[worst])) worst = l;
                if (r < k && Worse(h.Dist[r], h.Index[r], h.Dist[worst], h.Index[worst])) worst = r;
                if (worst == p) break;
                Swap(h, p, worst);
                p = worst;
            }
        }

        private static bool Worse(double d1, int i1, double d2, int i2) => d1 > d2 || (d1 == d2 && i1 > i2);

        private static void Swap(KnnScratch h, int a, int b)
        {
            (h.Dist[a], h.Dist[b]) = (h.Dist[b], h.Dist[a]);
            (h.Index[a], h.Index[b]) = (h.Index[b], h.Index[a]);
        }
    }
}

using static TorchSharp.torch;

namespace Occam.Grids.Tests;

/// <summary>
/// Independent references for the tests: the point groups as 2×2 integer matrices acting on centred (row, column)
/// coordinates, transforms by explicit coordinate loops, and naive loop convolutions — none of it uses
/// <see cref="GridGroup"/>'s tables or TorchSharp's rot90/flip.
/// </summary>
internal static class Reference
{
    /// <summary>Quarter turn in the direction of torch.rot90(x, 1): (row, col) ↦ (−col, row).</summary>
    static readonly int[,] R = { { 0, -1 }, { 1, 0 } };
    /// <summary>Mirror that reverses the column order: (row, col) ↦ (row, −col).</summary>
    static readonly int[,] M = { { 1, 0 }, { 0, -1 } };
    static readonly int[,] I = { { 1, 0 }, { 0, 1 } };

    public static int[,] Multiply(int[,] a, int[,] b)
    {
        var c = new int[2, 2];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                c[i, j] = a[i, 0] * b[0, j] + a[i, 1] * b[1, j];
        return c;
    }

    /// <summary>Matrix of element (rotation, mirror): M^m · R^r.</summary>
    public static int[,] Matrix(int rotation, bool mirror)
    {
        var m = I;
        for (int k = 0; k < rotation; k++) m = Multiply(R, m);
        return mirror ? Multiply(M, m) : m;
    }

    /// <summary>The matrices of a group's elements, indexed like the group's axis (mirror · 4 + rotation).</summary>
    public static int[][,] Matrices(int order) =>
        Enumerable.Range(0, order).Select(i => Matrix(i % 4, i >= 4)).ToArray();

    public static int IndexOf(int[][,] matrices, int[,] m)
    {
        for (int k = 0; k < matrices.Length; k++)
            if (matrices[k][0, 0] == m[0, 0] && matrices[k][0, 1] == m[0, 1] && matrices[k][1, 0] == m[1, 0] && matrices[k][1, 1] == m[1, 1]) return k;
        throw new InvalidOperationException("matrix not in the group");
    }

    public static int[,] Inverse(int[,] m) => new[,] { { m[1, 1], -m[0, 1] }, { -m[1, 0], m[0, 0] } }; // det ±1 orthogonal: inverse = transpose
    
    /// <summary>(T_g x)(p) = x(g⁻¹p) on the last two (square) dimensions, by an explicit loop over pixels.</summary>
    public static double[,] TransformImage(double[,] image, int[,] g)
    {
        int n = image.GetLength(0);
        var inv = Transpose(g);
        var result = new double[n, n];
        double c = (n - 1) / 2.0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                var (si, sj) = Apply(inv, i - c, j - c);
                result[i, j] = image[(int)Math.Round(si + c), (int)Math.Round(sj + c)];
            }
        return result;
    }

    public static int[,] Transpose(int[,] m) => new[,] { { m[0, 0], m[1, 0] }, { m[0, 1], m[1, 1] } };

    public static (double, double) Apply(int[,] m, double y, double x) => (m[0, 0] * y + m[0, 1] * x, m[1, 0] * y + m[1, 1] * x);

    /// <summary>
    /// The group action on a feature map [N, C, |G|, n, n] (or [N, C, n, n] when order is 1):
    /// (L_u f)(g, p) = f(u⁻¹g, u⁻¹p), by loops.
    /// </summary>
    public static Tensor Act(Tensor field, int order, int u)
    {
        var mats = Matrices(order == 1 ? 1 : order);
        var x = field.to(ScalarType.Float64).cpu();
        bool trivial = field.dim() == 4;
        long nb = x.shape[0], nc = x.shape[1], ng = trivial ? 1 : x.shape[2], n = x.shape[^1];
        var data = x.contiguous().data<double>().ToArray();
        var result = new double[data.Length];
        var uMatrix = trivial ? Matrix(u % 4, u >= 4) : mats[u];
        var uInverse = Transpose(uMatrix);
        for (long b = 0; b < nb; b++)
            for (long c = 0; c < nc; c++)
                for (int g = 0; g < ng; g++)
                {
                    int source = trivial ? 0 : IndexOf(mats, Multiply(uInverse, mats[g]));
                    var image = new double[n, n];
                    long baseIn = ((b * nc + c) * ng + source) * n * n;
                    for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) image[i, j] = data[baseIn + i * n + j];
                    var moved = TransformImage(image, uMatrix);
                    long baseOut = ((b * nc + c) * ng + g) * n * n;
                    for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) result[baseOut + i * n + j] = moved[i, j];
                }
        return tensor(result, dtype: ScalarType.Float64).reshape(field.shape).to(field.dtype);
    }

    /// <summary>
    /// Naive group correlation, valid padding: out[b, o, g, a, c] = Σ_{i, h, s} f[b, i, h, a + s] · ψ[o, i, g⁻¹h, g⁻¹s],
    /// with s the filter offset in centred coordinates. gIn = 1 is the lifting convolution (ψ [O, I, k, k]).
    /// </summary>
    public static double[,,,,] GroupCorrelation(double[,,,,] f, double[,,,,] psi, int gOut)
    {
        int nb = f.GetLength(0), ni = f.GetLength(1), gIn = f.GetLength(2), n = f.GetLength(3);
        int no = psi.GetLength(0), k = psi.GetLength(3);
        int m = n - k + 1;
        var mats = Matrices(gOut);
        double c = (k - 1) / 2.0;
        var result = new double[nb, no, gOut, m, m];
        for (int g = 0; g < gOut; g++)
        {
            var gi = Transpose(mats[g]);
            for (int b = 0; b < nb; b++)
                for (int o = 0; o < no; o++)
                    for (int a = 0; a < m; a++)
                        for (int cc = 0; cc < m; cc++)
                        {
                            double sum = 0;
                            for (int i = 0; i < ni; i++)
                                for (int h = 0; h < gIn; h++)
                                {
                                    int hs = gIn == 1 ? 0 : IndexOf(mats, Multiply(gi, mats[h]));
                                    for (int u = 0; u < k; u++)
                                        for (int v = 0; v < k; v++)
                                        {
                                            var (su, sv) = Apply(gi, u - c, v - c);
                                            sum += f[b, i, h, a + u, cc + v] * psi[o, i, hs, (int)Math.Round(su + c), (int)Math.Round(sv + c)];
                                        }
                                }
                            result[b, o, g, a, cc] = sum;
                        }
        }
        return result;
    }

    public static Tensor RandomTensor(Random random, ScalarType dtype, params long[] shape)
    {
        long size = shape.Aggregate(1L, (a, b) => a * b);
        var data = new double[size];
        for (int i = 0; i < size; i++) data[i] = 2 * random.NextDouble() - 1;
        return tensor(data, dtype: ScalarType.Float64).reshape(shape).to(dtype);
    }

    public static double MaxAbsDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        return (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();
    }
}

using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using Occam.Inference;
using Occam.Physics;

namespace Occam.Inference.Tests;

public sealed class TrajectorySmoothingTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "occam-smoothing-tests-" + Guid.NewGuid().ToString("N"));

    public TrajectorySmoothingTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>A 2D constant-velocity track with white-noise acceleration, sampled at irregular times, with noisy fixes.</summary>
    static (double[] Times, double[][] Truth, double[][] Fixes) Track(long seed, int steps, double q, double r)
    {
        var random = new SimulationRandom(seed);
        var times = new double[steps];
        var truth = new double[steps][];
        var fixes = new double[steps][];
        double[] p = [0, 0], v = [1, 0.5];
        for (int k = 0; k < steps; k++)
        {
            if (k > 0)
            {
                double dt = 0.5 + random.NextDouble(); // 0.5 … 1.5 s between fixes
                times[k] = times[k - 1] + dt;
                for (int a = 0; a < 2; a++)
                {
                    // Exact discretisation of white-noise acceleration: correlated (position, velocity) increments.
                    double z1 = random.NextNormal(), z2 = random.NextNormal();
                    double dv = q * Math.Sqrt(dt) * z1;
                    double dp = q * Math.Sqrt(dt * dt * dt) * (z1 / 2 + z2 / Math.Sqrt(12));
                    p[a] += dt * v[a] + dp;
                    v[a] += dv;
                }
            }
            truth[k] = [p[0], p[1]];
            fixes[k] = [p[0] + r * random.NextNormal(), p[1] + r * random.NextNormal()];
        }
        return (times, truth, fixes);
    }

    static double Mse(double[][] a, IReadOnlyList<double[]> b) =>
        Enumerable.Range(0, a.Length).Average(t => (Math.Pow(a[t][0] - b[t][0], 2) + Math.Pow(a[t][1] - b[t][1], 2)) / 2);

    [Fact]
    public void Timestamped_model_with_equal_steps_smooths_like_the_linear_model()
    {
        var times = Enumerable.Range(0, 30).Select(i => 0.7 * i).ToArray();
        var (_, _, fixes) = Track(1, 30, 0.3, 0.5);
        var timestamped = new TimestampedConstantVelocityModel(times, 2, 0.3, 0.5);
        // The same model written out by hand: per axis A = [[1, dt], [0, 1]], Q = q²[[dt³/3, dt²/2], [dt²/2, dt]].
        double dt = 0.7, q2 = 0.09;
        var a = Matrix<double>.Build.Dense(4, 4);
        var noise = Matrix<double>.Build.Dense(4, 4);
        var h = Matrix<double>.Build.Dense(2, 4);
        for (int k = 0; k < 2; k++)
        {
            a[2 * k, 2 * k] = 1; a[2 * k, 2 * k + 1] = dt; a[2 * k + 1, 2 * k + 1] = 1;
            noise[2 * k, 2 * k] = q2 * dt * dt * dt / 3; noise[2 * k, 2 * k + 1] = noise[2 * k + 1, 2 * k] = q2 * dt * dt / 2; noise[2 * k + 1, 2 * k + 1] = q2 * dt;
            h[k, 2 * k] = 1;
        }
        var linear = new LinearGaussianModel(a, noise, h, Matrix<double>.Build.DenseIdentity(2) * 0.25, null, Matrix<double>.Build.DenseIdentity(4) * 1e8);
        var expected = KalmanSmoother.Smooth(linear, fixes);
        var actual = KalmanSmoother.Smooth(timestamped, fixes);
        for (int t = 0; t < 30; t++)
            for (int i = 0; i < 4; i++) Assert.Equal(expected.Means[t][i], actual.Means[t][i], 1e-8);
    }

    [Fact]
    public void Smoothing_irregular_fixes_recovers_the_noise_scales_and_beats_the_raw_fixes()
    {
        var (times, truth, fixes) = Track(2, 1000, q: 0.2, r: 1.0);
        var result = TrajectorySmoothing.Smooth(times, fixes);
        Assert.InRange(result.ObservationNoise, 0.85, 1.18);
        Assert.InRange(result.AccelerationNoise, 0.14, 0.28);
        var smoothed = result.Trajectory.Means.Select(m => new[] { m[0], m[2] }).ToArray();
        Assert.True(Mse(truth, smoothed) < 0.5 * Mse(truth, fixes), $"smoothed {Mse(truth, smoothed)}, fixes {Mse(truth, fixes)}");
    }

    string WriteCsv(string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Csv_in_smoothed_csv_out_with_positions_and_velocities()
    {
        var (times, _, fixes) = Track(3, 200, 0.2, 0.5);
        var lines = new List<string> { "t,east,north" };
        lines.AddRange(times.Select((t, k) => string.Create(CultureInfo.InvariantCulture, $"{t},{fixes[k][0]},{fixes[k][1]}")));
        var input = WriteCsv("fixes.csv", string.Join('\n', lines));
        var before = File.ReadAllText(input);
        var output = TrajectorySmoothing.SmoothCsv(input, Path.Combine(directory, "out"));
        var table = Occam.Physics.IO.Csv.Read(output);
        Assert.Equal(["t", "east", "north", "v_east", "v_north"], table.Columns);
        Assert.Equal(200, table.Rows);
        Assert.Equal(times, table.Column("t"));
        Assert.Equal(before, File.ReadAllText(input));
    }

    [Theory]
    [InlineData("x,y\n1,2\n2,3\n3,4\n", "no time column")]
    [InlineData("t,x,y\n0,1,2\n2,3,4\n1,4,5\n", "data row 3: time 1 does not follow 2")]
    [InlineData("t,x,y\n0,1,2\n1,NaN,4\n2,4,5\n", ":3: column 'x': value is NaN")]
    [InlineData("t,x,y\n0,1,2\n1,oops,4\n", ":3: column 'x': 'oops' is not a number")]
    [InlineData("t,x,y\n0,1,2\n1,2,3\n", "at least 3 observations")]
    public void Malformed_csv_gives_an_error_that_names_the_place(string text, string expected)
    {
        var input = WriteCsv("bad.csv", text);
        var e = Record.Exception(() => TrajectorySmoothing.SmoothCsv(input, Path.Combine(directory, "out")));
        Assert.True(e is FormatException or InvalidDataException or ArgumentException, e?.ToString());
        Assert.Contains(expected, e!.Message);
        Assert.Contains("bad.csv", e.Message);
        Assert.False(File.Exists(Path.Combine(directory, "out", "smoothed.csv")));
    }
}

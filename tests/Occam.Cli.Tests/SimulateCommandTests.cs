using Occam.Physics.IO;
using static Occam.Cli.Tests.CliRunner;

namespace Occam.Cli.Tests;

public sealed class SimulateCommandTests
{
    [Theory]
    [InlineData("Unknown system", "simulate", "bogus")]
    [InlineData("--sims", "simulate", "spring", "--sims", "-3")]
    [InlineData("--bodies", "simulate", "spring", "--bodies", "0")]
    [InlineData("position", "simulate", "--potential", "q1*q2*exp(-r")]
    public void Bad_input_gives_one_line_error_exit_one_and_leaves_the_existing_output_untouched(
        string expectedInMessage, params string[] args)
    {
        using var dir = new TempDir();
        string output = dir.File("data.npz");
        File.WriteAllText(output, "keep");

        var (code, _, error) = Run([.. args, "--out", output]);

        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains(expectedInMessage, error);
        Assert.Equal("keep", File.ReadAllText(output));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Unwritable_output_path_gives_one_line_error_and_no_file()
    {
        using var dir = new TempDir();
        string output = Path.Combine(dir.Path, "missing-folder", "data.npz");

        var (code, _, error) = Run("simulate", "spring", "--sims", "2", "--steps", "3", "--out", output);

        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains("missing-folder", error);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Simulate_writes_an_npz_whose_spring_accelerations_match_a_hand_computed_force_sum()
    {
        using var dir = new TempDir();
        string output = dir.File("spring.npz");

        var (code, _, _) = Run("simulate", "spring", "--sims", "3", "--steps", "5", "--seed", "7", "--out", output);

        Assert.Equal(0, code);
        var arrays = Npz.Read(output);
        var x = arrays["positions"];
        var a = arrays["accelerations"];
        var m = arrays["masses"];
        Assert.Equal(new[] { 3, 5, 4, 2 }, x.Shape);
        // a_i = -(1/m_i) sum_j 2 (r'_ij - 1) (x_i - x_j) / r_ij, r' = r + 0.01 (U = (r' - 1)^2).
        double[] pos = x.ToDoubles(), acc = a.ToDoubles(), mass = m.ToDoubles();
        int sim = 2, step = 4, n = 4;
        for (int i = 0; i < n; i++)
        {
            double ax = 0, ay = 0;
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                int bi = ((sim * 5 + step) * n + i) * 2, bj = ((sim * 5 + step) * n + j) * 2;
                double dx = pos[bi] - pos[bj], dy = pos[bi + 1] - pos[bj + 1];
                double r = Math.Sqrt(dx * dx + dy * dy);
                double f = -2 * (r + 0.01 - 1) / r;
                ax += f * dx;
                ay += f * dy;
            }
            int b = ((sim * 5 + step) * n + i) * 2;
            Assert.Equal(ax / mass[sim * n + i], acc[b], 10);
            Assert.Equal(ay / mass[sim * n + i], acc[b + 1], 10);
        }
    }
}

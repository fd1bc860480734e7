using Occam.Discovery;
using Occam.Physics;

namespace Occam.Discovery.Tests;

public sealed class DataTests
{
    static string Temp(string name) => Path.Combine(Path.GetTempPath(), "occam-disc-" + Guid.NewGuid().ToString("N") + name);

    [Theory]
    [InlineData("r2", 20000, 10)]
    [InlineData("r1", 20000, 10)]
    [InlineData("charge", 20000, 10)]
    [InlineData("spring", 500, 100)]
    [InlineData("discontinuous", 500, 100)]
    public void Quick_preset_spreads_small_step_systems_over_short_simulations(string system, int sims, int frames)
    {
        var shaped = (DiscoveryOptions.Quick with { System = system }).WithDataShape();
        Assert.Equal((sims, frames), (shaped.Sims, shaped.Frames));
        Assert.Equal(shaped, shaped.WithDataShape());
        var paper = DiscoveryOptions.Paper with { System = system };
        Assert.Equal((paper.Sims, paper.Frames), (paper.WithDataShape().Sims, paper.WithDataShape().Frames));
    }

    [Theory]
    [InlineData("quick", "charge", MessageVariant.Bottleneck, 60000, 1e-3)]
    [InlineData("quick", "charge", MessageVariant.L1, 60000, 1e-3)]
    [InlineData("quick", "spring", MessageVariant.L1, 30000, 1e-2)]
    [InlineData("quick", "r2", MessageVariant.Bottleneck, 30000, 1e-2)]
    [InlineData("paper", "charge", MessageVariant.L1, 1000000, 1e-3)]
    public void Quick_preset_trains_charge_longer_at_a_lower_learning_rate(string preset, string system, MessageVariant variant, int steps,
        double lr)
    {
        var options = DiscoveryOptions.FromPreset(preset, system, variant);
        Assert.Equal((system, variant, steps, lr), (options.System, options.Variant, options.Steps, options.LearningRate));
    }

    [Fact]
    public void Missing_data_file_gives_a_one_line_error_naming_it()
    {
        var path = Temp("missing.npz");
        var e = Assert.Throws<FileNotFoundException>(() => DatasetFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Garbage_data_file_gives_a_one_line_invalid_data_error()
    {
        var path = Temp("garbage.npz");
        File.WriteAllText(path, "this is not a zip archive\nsecond line\n");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => DatasetFile.Load(path));
            Assert.Contains(path, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void One_dimensional_data_is_rejected_with_a_one_line_error()
    {
        var path = Temp("line.npz");
        Simulator.Run(new SimulationOptions { Dim = 1, Sims = 2, Steps = 3, Tolerance = 1e-6, MaxDegreeOfParallelism = 1 }).Save(path);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => DatasetFile.Load(path));
            Assert.Contains("1D", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Saved_simulation_round_trips_into_node_features_in_the_documented_order()
    {
        var path = Temp("ok.npz");
        var ds = Simulator.Run(new SimulationOptions { System = ParticleSystem.Charge, Sims = 2, Steps = 3, Seed = 5, Tolerance = 1e-6, MaxDegreeOfParallelism = 1 });
        ds.Save(path);
        try
        {
            var data = DataStage.ToParticleData(DatasetFile.Load(path));
            Assert.Equal(6, data.Samples);
            // sample = sim·steps + step; features [x, y, vx, vy, q, m]
            Assert.Equal((float)ds.Positions[ds.Index(1, 2, 3, 1)], data.Position(5, 3, 1));
            Assert.Equal((float)ds.Velocities[ds.Index(1, 2, 0, 0)], data.Velocity(5, 0, 0));
            Assert.Equal((float)ds.Charges[1 * 4 + 2], data.Charge(5, 2));
            Assert.Equal((float)ds.Masses[1 * 4 + 2], data.Mass(5, 2));
        }
        finally { File.Delete(path); }
    }
}

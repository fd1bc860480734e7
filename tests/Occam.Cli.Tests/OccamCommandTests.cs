using static Occam.Cli.Tests.CliRunner;

namespace Occam.Cli.Tests;

public sealed class OccamCommandTests
{
    [Fact]
    public void Version_prints_the_assembly_version_and_exits_zero()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        var expected = typeof(OccamCommand).Assembly.GetName().Version!;
        Assert.StartsWith($"{expected.Major}.{expected.Minor}.{expected.Build}", output.Trim());
    }

    [Fact]
    public void Help_describes_occam_and_exits_zero()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("symbolic distillation", output);
    }

    [Fact]
    public void Unknown_option_gives_one_line_error_and_exit_code_two()
    {
        var (code, _, error) = Run("--no-such-option");
        Assert.Equal(2, code);
        var lines = Lines(error);
        Assert.Single(lines);
        Assert.Contains("--no-such-option", lines[0]);
    }
}

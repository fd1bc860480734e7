using System.Reflection;
using static Occam.Cli.Tests.CliRunner;

namespace Occam.Cli.Tests;

public sealed class OccamCommandTests
{
    [Fact]
    public void Version_prints_the_package_version_and_exits_zero()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        // The package version (MinVer, from git tags) with the commit, as compiled into the assembly's metadata.
        var expected = typeof(OccamCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?(\+[0-9a-f]+)?$", expected);
        Assert.Equal(expected, output.Trim());
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

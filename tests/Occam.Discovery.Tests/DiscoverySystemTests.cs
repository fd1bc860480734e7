using Occam.Physics;

namespace Occam.Discovery.Tests;

public sealed class DiscoverySystemTests
{
    /// <summary>The variables each built-in law names, read off its formula (F = −U′(r)·Δ/r): spring and discontinuous
    /// (r − 1), r1 m1 m2/r, r2 m1 m2/r², charge q1 q2/r²; per receiver mass, m1 leaves the gravitational laws and joins
    /// the others.</summary>
    public static TheoryData<string, bool, string> BuiltIn => new()
    {
        { "spring", false, "dx dy r" }, { "spring", true, "dx dy r m1" },
        { "damped", false, "dx dy r" }, { "discontinuous", true, "dx dy r m1" },
        { "r1", false, "dx dy r m2 m1" }, { "r1", true, "dx dy r m2" },
        { "r2", false, "dx dy r m2 m1" }, { "r2", true, "dx dy r m2" },
        { "charge", false, "dx dy r q1 q2" }, { "charge", true, "dx dy r q1 q2 m1" },
    };

    [Theory]
    [MemberData(nameof(BuiltIn))]
    public void The_required_variables_of_a_built_in_law_are_those_its_formula_names(string system, bool perMass, string expected)
    {
        var required = DiscoverySystem.Of(ParticleSystem.FromName(system)).RequiredVariables(2, perMass, hamiltonian: false);
        Assert.Equal(expected.Split(' '), required);
    }

    [Fact]
    public void The_required_variables_of_a_custom_law_come_from_its_potential()
    {
        var yukawa = DiscoverySystem.Of(ParticleSystem.Custom("q1*q2*exp(-r)/r"));
        Assert.Equal(["dx", "dy", "dz", "r", "q1", "q2"], yukawa.RequiredVariables(3, perMass: false, hamiltonian: false));
        Assert.Equal(["r", "q1", "q2", "m1"], yukawa.RequiredVariables(3, perMass: true, hamiltonian: true));
        // A zero-length spring U = r²/2 (r the softened distance): F = −(|Δ| + 0.01)·Δ/|Δ| still changes with |Δ|.
        Assert.Contains("r", DiscoverySystem.Of(ParticleSystem.Custom("r*r/2")).RequiredVariables(2, false, false));
        // U = m2·dx (a uniform field along x, no dependence on the distance): F = (−m2, 0) names m2 but not r.
        Assert.Equal(["dx", "dy", "m2"], DiscoverySystem.Of(ParticleSystem.Custom("m2*dx")).RequiredVariables(2, false, false));
    }

    [Fact]
    public void Cond_joins_the_operators_only_where_the_force_jumps()
    {
        Assert.DoesNotContain("cond", DiscoverySystem.Of(ParticleSystem.Spring).BinaryOperators);
        Assert.Contains("cond", DiscoverySystem.Of(ParticleSystem.Discontinuous).BinaryOperators);
        Assert.Contains("cond", DiscoverySystem.Of(ParticleSystem.Custom("cond(r - 2, (r - 1)*(r - 1))")).BinaryOperators);
        Assert.DoesNotContain("cond", DiscoverySystem.Of(ParticleSystem.Custom("exp(-r)/r")).BinaryOperators);
    }

    [Fact]
    public void Only_the_quick_preset_of_charge_trains_longer_at_a_lower_rate()
    {
        var charge = DiscoveryOptions.FromPreset("quick", "charge");
        Assert.Equal((60_000, 1e-3), (charge.Steps, charge.LearningRate));
        var spring = DiscoveryOptions.FromPreset("quick", "spring");
        Assert.Equal((DiscoveryOptions.Quick.Steps, DiscoveryOptions.Quick.LearningRate), (spring.Steps, spring.LearningRate));
        var paper = DiscoveryOptions.FromPreset("paper", "charge");
        Assert.Equal((DiscoveryOptions.Paper.Steps, DiscoveryOptions.Paper.LearningRate), (paper.Steps, paper.LearningRate));
        Assert.Equal("q1*q2/r", DiscoveryOptions.FromPreset("quick", "custom", potential: "q1*q2/r").Potential);
    }
}

public sealed class SearchOperatorTests
{
    static readonly string[] Names = ["dx", "dy", "r", "m1", "m2", "q1", "q2"];

    [Fact]
    public void Without_operators_a_search_uses_the_systems_own()
    {
        var options = DiscoveryOptions.FromPreset("quick", "discontinuous", MessageVariant.L1, null);
        var search = DistilStage.SearchOptions(options, DiscoverySystem.Of(ParticleSystem.Discontinuous), 2, Names, 0);
        Assert.Equal(["+", "-", "*", "/", "cond"], search.BinaryOperators);
        Assert.Empty(search.UnaryOperators);
        Assert.Null(search.NestedConstraints);
    }

    [Fact]
    public void Given_operators_replace_the_systems_and_keep_transcendentals_apart()
    {
        var options = DiscoveryOptions.FromPreset("quick", "spring", MessageVariant.L1, null) with
        {
            SymbolicOperators = ["+", "*", "exp", "log", "sqrt", "soft(x)=log(1+exp(x))"],
        };
        var search = DistilStage.SearchOptions(options, DiscoverySystem.Of(ParticleSystem.Spring), 2, Names, 0);
        Assert.Equal(["+", "*"], search.BinaryOperators);
        Assert.Equal(["exp", "log", "sqrt", "soft"], search.UnaryOperators);
        Assert.Equal(1, search.CustomOperators.Resolve("soft").Arity);
        Assert.Equal(0, search.NestedConstraints!["exp"]["log"]);
        Assert.Equal(0, search.NestedConstraints["log"]["exp"]);
        Assert.Equal(0, search.NestedConstraints["sqrt"]["sqrt"]);
    }

    [Theory]
    [InlineData("frob", "unknown operator 'frob'")]
    [InlineData("sqrt", "at least one binary operator")]
    public void Options_with_an_operator_the_search_cannot_use_are_refused_before_training(string op, string expected)
    {
        var options = DiscoveryOptions.FromPreset("quick", "spring", MessageVariant.L1, null) with { SymbolicOperators = ["+", op] };
        if (op == "sqrt") options = options with { SymbolicOperators = ["sqrt"] };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("SymbolicOperators", e.Message);
        Assert.Contains(expected, e.Message);
    }
}

using System.CommandLine;
using System.Globalization;

namespace Occam.Cli;

/// <summary>Reads option values that must lie in a range, so that nonsense (<c>--threads 0</c>, <c>--potential ""</c>) is a
/// one-line error naming the option (exit 1) instead of being accepted.</summary>
internal static class OptionValues
{
    /// <summary>The value, which must lie in [<paramref name="min"/>, <paramref name="max"/>] when given.</summary>
    public static long? InRange(ParseResult parse, Option<long?> option, long min, long max = long.MaxValue) =>
        parse.GetValue(option) is long v ? Checked(option.Name, v, min, max) : null;

    /// <inheritdoc cref="InRange(ParseResult, Option{long?}, long, long)"/>
    public static int? InRange(ParseResult parse, Option<int?> option, int min, int max = int.MaxValue) =>
        parse.GetValue(option) is int v ? (int)Checked(option.Name, v, min, max) : null;

    /// <inheritdoc cref="InRange(ParseResult, Option{long?}, long, long)"/>
    public static int InRange(ParseResult parse, Option<int> option, int min, int max = int.MaxValue) =>
        (int)Checked(option.Name, parse.GetValue(option), min, max);

    /// <summary>The value, which must be a number (not NaN) when given.</summary>
    public static double? Number(ParseResult parse, Option<double?> option) =>
        parse.GetValue(option) is double v && double.IsNaN(v) ? throw new UserInputException($"{option.Name} must be a number (got NaN).") : parse.GetValue(option);

    /// <summary>The text, which must not be empty or blank when the option is given.</summary>
    public static string? NotBlank(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { } v && string.IsNullOrWhiteSpace(v) ? throw new UserInputException($"{option.Name} is empty; give a value or leave the option out.") : parse.GetValue(option);

    /// <summary>The <c>--operators</c> option of the distillation's searches; <paramref name="defaults"/> says what the
    /// command does without it.</summary>
    public static Option<string?> SearchOperators(string defaults) => new("--operators")
    {
        Description = $"The symbolic regression's operators, comma-separated, as for 'occam regress' (e.g. +,-,*,/,exp,sqrt); {defaults}. "
            + "sin, cos, exp and log are not nested in one another.",
    };

    /// <summary>The operator list of an <c>--operators</c> option, checked (null when not given).</summary>
    public static IReadOnlyList<string>? Operators(ParseResult parse, Option<string?> option)
    {
        if (parse.GetValue(option) is not string text) return null;
        var list = RegressCommand.SplitOperators(text);
        try { new Occam.Symbolic.SymbolicRegressionOptions().WithOperators(list); }
        catch (ArgumentException e) { throw new UserInputException($"--operators: {e.Message}"); }
        return list;
    }

    /// <summary>The <c>--sr-rounds</c> option; <paramref name="defaults"/> says what the command does without it.</summary>
    public static Option<int?> SearchRounds(string defaults) =>
        new("--sr-rounds") { Description = $"Rounds of each symbolic regression ({defaults}; a fixed number of rounds keeps the run deterministic)." };

    /// <summary>The <c>--refine-rounds</c> option; <paramref name="defaults"/> says what the command does without it.</summary>
    public static Option<int?> RefineRounds(string defaults) =>
        new("--refine-rounds")
        {
            Description = "Rounds of the refinement on the accelerations, searches for the force law and for its pair potential whose loss "
                + $"is the acceleration judge's, run when no law found on the messages is exact there; 0 switches it off ({defaults}).",
        };

    /// <summary>The <c>--refine-rounds</c> value given, in range.</summary>
    public static int? Refine(ParseResult parse, Option<int?> option) =>
        InRange(parse, option, 0, Occam.Discovery.DiscoveryOptions.MaxRefineRounds);

    /// <summary>The <c>--sr-seconds</c> option; <paramref name="defaults"/> says what the command does without it.</summary>
    public static Option<double?> SearchSeconds(string defaults) =>
        new("--sr-seconds") { Description = $"Wall-clock cap of each symbolic regression ({defaults})." };

    /// <summary>The search budget given: rounds at least 1, seconds positive and finite.</summary>
    public static (int? Rounds, TimeSpan? Limit) SearchBudget(ParseResult parse, Option<int?> rounds, Option<double?> seconds)
    {
        var r = InRange(parse, rounds, 1);
        if (parse.GetValue(seconds) is not double t) return (r, null);
        if (!(t > 0 && double.IsFinite(t))) throw new UserInputException(string.Create(CultureInfo.InvariantCulture, $"{seconds.Name} must be positive (got {t})."));
        return (r, TimeSpan.FromSeconds(t));
    }

    static long Checked(string name, long value, long min, long max)
    {
        if (value >= min && value <= max) return value;
        string range = max == long.MaxValue || max == int.MaxValue ? $"at least {min}" : $"between {min} and {max}";
        throw new UserInputException(string.Create(CultureInfo.InvariantCulture, $"{name} must be {range} (got {value})."));
    }
}

using System.Globalization;
using System.Text;

namespace Occam.Fuzzing;

/// <summary>
/// The fuzz harness the test projects share (compiled into each): seeded cases, each run with a hang guard, failures
/// collected with the input that caused them. CI runs each fuzz test's standard number of cases; a longer run:
/// <c>OCCAM_FUZZ_CASES=20000 OCCAM_FUZZ_SEED=7 dotnet test tests/Occam.Symbolic.Tests -c Release --filter Fuzz</c>.
/// Case <c>i</c> draws from <c>new Random(seed · 1,000,003 + i)</c>, so a failure names the seed and case to rerun.
/// Memory is capped for the whole test process by <c>System.GC.HeapHardLimit</c> in the test projects (an allocation
/// past it fails the case with an <see cref="OutOfMemoryException"/>).
/// </summary>
internal static class Fuzz
{
    /// <summary>Cases per fuzz test: <c>OCCAM_FUZZ_CASES</c> when set, else the test's standard count.</summary>
    public static int Cases(int standard) =>
        int.TryParse(Environment.GetEnvironmentVariable("OCCAM_FUZZ_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : standard;

    /// <summary>The base seed: <c>OCCAM_FUZZ_SEED</c> when set, else 26 (the issue).</summary>
    public static int Seed =>
        int.TryParse(Environment.GetEnvironmentVariable("OCCAM_FUZZ_SEED"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int s) ? s : 26;

    /// <summary>The hang guard of one case (generous: a case normally takes milliseconds).</summary>
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Runs <paramref name="standardCases"/> cases (see <see cref="Cases"/>): <paramref name="make"/> draws a case's input
    /// (described for the failure message) and the check to run on it; a check that throws, or has not returned within
    /// <see cref="CaseTimeout"/>, fails the test with the input.
    /// </summary>
    public static void Run(int standardCases, Func<Random, (string Input, Action Check)> make)
    {
        int n = Cases(standardCases), seed = Seed;
        var failures = new List<string>();
        for (int i = 0; i < n && failures.Count < 5; i++)
        {
            var (input, check) = make(new Random(unchecked(seed * 1_000_003 + i)));
            var run = Task.Run(check);
            string? failure = null;
            try
            {
                if (!run.Wait(CaseTimeout)) failure = $"no result within {CaseTimeout.TotalSeconds} s";
            }
            catch (AggregateException e)
            {
                failure = e.InnerException?.ToString() ?? e.ToString();
            }
            if (failure is not null) failures.Add($"case {i} (OCCAM_FUZZ_SEED={seed}), input {Abbreviated(input)}: {failure}");
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>Asserts that an error message is one line that says something (not a bare type name or a stack trace).</summary>
    public static void AssertOneLine(string message)
    {
        Assert.DoesNotContain('\n', message.TrimEnd());
        Assert.True(message.Trim().Length >= 12, $"message too short to name the problem: '{message}'");
        Assert.DoesNotContain("   at ", message);
        Assert.DoesNotContain("(Parameter '", message);
    }

    static string Abbreviated(string s)
    {
        var escaped = s.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\0", "\\0");
        return escaped.Length <= 300 ? $"'{escaped}'" : $"'{escaped[..300]}…' ({s.Length} characters)";
    }
}

/// <summary>Generators of malformed and unusual inputs: expressions, numbers, text and byte mutations.</summary>
internal static class FuzzInputs
{
    static readonly string[] Atoms = ["r", "x0", "x1", "dx", "m1", "q2", "0", "1", "2.5", "1e308", "1e-320", "-0", "inf", "nan", "NaN", "1e999", "123456789012345678901234567890", ".5", "5.", "e", "_"];
    static readonly string[] Unary = ["sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "inv", "square", "cube", "neg", "step", "frob"];
    static readonly string[] Binary = ["+", "-", "*", "/", "^", "**"];
    static readonly string[] Junk = ["(", ")", ",", "+", "-", "*", "/", "^", "**", " ", "\t", "\n", "\0", "é", "∞", "'", "\"", ";", "greater(", "cond(", "pow(", "()", "1e", "1e+", "..", "x-1"];

    /// <summary>Interesting values for a numeric option: edges, overflows, NaN, infinities, junk.</summary>
    public static readonly string[] Numbers =
        ["-3", "-1", "0", "1", "2", "3", "7", "2147483647", "-2147483648", "9999999999", "9223372036854775807", "1e308", "-1e308",
         "1e-320", "NaN", "Infinity", "-Infinity", "0.5", "abc", "", " ", "0x10", "+4", "٣", "1,5"];

    /// <summary>Integers that parse: small, edge and overflowing-in-use values.</summary>
    public static readonly string[] Integers = ["-2147483648", "-3", "-1", "0", "1", "2", "3", "4", "7", "50", "1000", "65536", "2147483647"];

    /// <summary>A value for a numeric option: mostly one that parses (so the run gets past the command line), else any.</summary>
    public static string Value(Random rng) => rng.Next(10) < 7 ? Pick(rng, Integers) : Pick(rng, Numbers);

    public static T Pick<T>(Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    /// <summary>A random expression: well formed (of any depth, often past the limits), then maybe mutated, or junk.</summary>
    public static string Expression(Random rng)
    {
        switch (rng.Next(6))
        {
            case 0: // junk
                return string.Concat(Enumerable.Range(0, rng.Next(0, 40)).Select(_ => rng.Next(2) == 0 ? Pick(rng, Junk) : Pick(rng, Atoms)));
            case 1: // deep nesting of one kind, around the limit or far past it
            {
                int n = rng.Next(4) switch { 0 => rng.Next(1, 250), 1 => rng.Next(190, 210), 2 => rng.Next(250, 5000), _ => rng.Next(5000, 30000) };
                return rng.Next(5) switch
                {
                    0 => new string('(', n) + "r" + new string(')', n),
                    1 => new string('-', n) + "r",
                    2 => string.Concat(Enumerable.Repeat(Pick(rng, Unary) + "(", n)) + "r" + new string(')', n),
                    3 => string.Concat(Enumerable.Repeat("r" + Pick(rng, Binary), n)) + "r",
                    _ => string.Concat(Enumerable.Repeat("(r" + Pick(rng, Binary), n)) + "r" + new string(')', n),
                };
            }
            default:
            {
                var text = WellFormed(rng, rng.Next(1, 9));
                return rng.Next(3) == 0 ? MutateText(rng, text) : text;
            }
        }
    }

    static string WellFormed(Random rng, int depth)
    {
        if (depth <= 0 || rng.Next(4) == 0) return Pick(rng, Atoms);
        return rng.Next(3) switch
        {
            0 => $"{Pick(rng, Unary)}({WellFormed(rng, depth - 1)})",
            1 => $"({WellFormed(rng, depth - 1)}){Pick(rng, Binary)}{WellFormed(rng, depth - 1)}",
            _ => $"{WellFormed(rng, depth - 1)} {Pick(rng, Binary)} {WellFormed(rng, depth - 1)}",
        };
    }

    /// <summary>Text with one or more structured edits: truncation, a junk or extreme token inserted, a character deleted, a line repeated.</summary>
    public static string MutateText(Random rng, string text)
    {
        var sb = new StringBuilder(text);
        for (int k = rng.Next(1, 4); k > 0; k--)
        {
            int at = sb.Length == 0 ? 0 : rng.Next(sb.Length);
            switch (rng.Next(5))
            {
                case 0: sb.Length = at; break;
                case 1: sb.Insert(at, rng.Next(2) == 0 ? Pick(rng, Junk) : Pick(rng, Numbers)); break;
                case 2: if (sb.Length > 0) sb.Remove(at, 1); break;
                case 3: sb.Insert(at, sb.ToString(at, Math.Min(sb.Length - at, rng.Next(1, 40)))); break;
                default: sb.Insert(at, Pick(rng, Atoms)); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Bytes with structured damage: truncation, flipped bits, a zeroed or repeated span, inserted or random bytes.</summary>
    public static byte[] MutateBytes(Random rng, byte[] bytes)
    {
        var list = new List<byte>(bytes);
        for (int k = rng.Next(1, 4); k > 0; k--)
        {
            int at = list.Count == 0 ? 0 : rng.Next(list.Count);
            int span = Math.Min(list.Count - at, rng.Next(1, 16));
            switch (rng.Next(6))
            {
                case 0: list.RemoveRange(at, list.Count - at); break;
                case 1: if (list.Count > 0) list[at] ^= (byte)(1 << rng.Next(8)); break;
                case 2: for (int i = at; i < at + span; i++) list[i] = 0; break;
                case 3: list.InsertRange(at, list.GetRange(at, span)); break;
                case 4: list.InsertRange(at, Enumerable.Range(0, rng.Next(1, 9)).Select(_ => (byte)rng.Next(256))); break;
                default: for (int i = at; i < at + span; i++) list[i] = (byte)rng.Next(256); break;
            }
        }
        return [.. list];
    }
}

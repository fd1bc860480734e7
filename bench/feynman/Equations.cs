using System.Globalization;

namespace Occam.FeynmanBench;

/// <summary>One equation of the AI Feynman database: its name (the database's Filename), its group ("feynman" for the 100
/// Feynman Lectures equations, "bonus" for the 20 bonus ones), output name, formula and the uniform sampling range of each
/// variable.</summary>
sealed record FeynmanEquation(string Name, string Group, string Output, Formula Truth, double[] Low, double[] High)
{
    /// <summary>The variables, in column order.</summary>
    public string[] Variables => Truth.Variables;

    /// <summary>
    /// SRBench's protocol: <paramref name="rows"/> points drawn uniformly from the ranges (seeded by the equation's name and
    /// <paramref name="seed"/>), the clean target, and the target with Gaussian noise of standard deviation
    /// noise·√(mean(y²)) (SRBench's target noise; 0 gives the clean target).
    /// </summary>
    public Sample Draw(int seed, int rows, double noise)
    {
        var rng = new Random(StableSeed(Name, seed));
        int f = Variables.Length;
        var x = new double[rows, f];
        var clean = new double[rows];
        var point = new double[f];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < f; j++) x[r, j] = point[j] = Low[j] + (High[j] - Low[j]) * rng.NextDouble();
            clean[r] = Truth.Evaluate(point);
        }
        var noisy = (double[])clean.Clone();
        if (noise > 0)
        {
            double scale = noise * Math.Sqrt(clean.Average(v => v * v));
            for (int r = 0; r < rows; r++) noisy[r] += scale * Gaussian(rng);
        }
        return new Sample(x, clean, noisy);
    }

    static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    /// <summary>A seed from the name and the run's seed that is the same in every process (string.GetHashCode is not).</summary>
    static int StableSeed(string name, int seed)
    {
        uint h = 2166136261;
        foreach (char c in name) h = (h ^ c) * 16777619;
        h = (h ^ (uint)seed) * 16777619;
        return (int)(h & 0x7FFFFFFF);
    }

    /// <summary>The 100 Feynman equations and the 20 bonus ones, from the two CSV files of the database in <paramref name="dir"/>.</summary>
    public static List<FeynmanEquation> Load(string dir) =>
        [.. Read(Path.Combine(dir, "FeynmanEquations.csv"), "feynman"), .. Read(Path.Combine(dir, "BonusEquations.csv"), "bonus")];

    /// <summary>Reads one of the database's CSV files by its header (the bonus file has two more columns, Name and Eqn. No.),
    /// skipping the empty rows at its end.</summary>
    static IEnumerable<FeynmanEquation> Read(string path, string group)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].TrimStart('\uFEFF').Split(',');
        int Col(string name) => Array.IndexOf(header, name) is int i and >= 0 ? i : throw new FormatException($"{path}: no column '{name}'");
        int file = Col("Filename"), output = Col("Output"), formula = Col("Formula"), count = Col("# variables"), first = Col("v1_name");
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            if (cells[file].Trim().Length == 0) continue;
            int n = int.Parse(cells[count], CultureInfo.InvariantCulture);
            var names = new string[n];
            var low = new double[n];
            var high = new double[n];
            for (int j = 0; j < n; j++)
            {
                names[j] = cells[first + 3 * j].Trim();
                low[j] = double.Parse(cells[first + 3 * j + 1], CultureInfo.InvariantCulture);
                high[j] = double.Parse(cells[first + 3 * j + 2], CultureInfo.InvariantCulture);
            }
            if (cells.Length > first + 3 * n && cells[first + 3 * n].Trim().Length > 0)
                throw new FormatException($"{path}: {cells[file]} lists more variables than its '# variables' ({n})");
            yield return new FeynmanEquation(cells[file].Trim(), group, cells[output].Trim(), Formula.Parse(cells[formula], names), low, high);
        }
    }
}

/// <summary>Drawn rows: inputs, the clean target and the (possibly) noisy target.</summary>
sealed record Sample(double[,] X, double[] Clean, double[] Noisy)
{
    public int Rows => Clean.Length;

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as (x, clean, noisy).</summary>
    public Sample Slice(int start, int count)
    {
        int f = X.GetLength(1);
        var x = new double[count, f];
        for (int r = 0; r < count; r++) for (int j = 0; j < f; j++) x[r, j] = X[start + r, j];
        return new Sample(x, Clean.AsSpan(start, count).ToArray(), Noisy.AsSpan(start, count).ToArray());
    }
}

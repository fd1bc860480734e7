namespace Occam.Symbolic.IO;

/// <summary>A regression table: inputs (rows × columns) with names, and one target column.</summary>
public sealed record TabularData(double[,] X, double[] Y, IReadOnlyList<string> InputNames, string TargetName)
{
    /// <summary>Number of rows.</summary>
    public int Rows => Y.Length;

    /// <summary>
    /// Reads a CSV file with a header line (by the rules of <see cref="NumericTable"/>). <paramref name="target"/> names the target column; <paramref name="inputs"/>
    /// (default: every other column) names the inputs. Every problem — missing file, ragged or non-numeric line,
    /// NaN/∞ value, missing column, no data rows — raises an exception whose one-line message names the file, line and
    /// column.
    /// </summary>
    public static TabularData ReadCsv(string path, string target, IReadOnlyList<string>? inputs = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var reader = new StreamReader(path);
        return ReadCsv(reader, path, target, inputs);
    }

    /// <summary>Reads CSV text from a reader (by the rules of <see cref="NumericTable"/>); <paramref name="source"/> names it in messages.</summary>
    public static TabularData ReadCsv(TextReader reader, string source, string target, IReadOnlyList<string>? inputs = null)
    {
        string[] inputNames = [];
        var table = NumericTable.Read(reader, source, columns =>
        {
            if (!columns.Contains(target)) throw new ArgumentException($"{source}: no column '{target}' (columns: {string.Join(", ", columns)})");
            inputNames = inputs?.ToArray() ?? columns.Where(c => c != target).ToArray();
            if (inputNames.Length == 0) throw new ArgumentException($"{source}: no input columns besides the target '{target}'");
            if (inputNames.Contains(target)) throw new ArgumentException($"{source}: the target '{target}' is also listed as an input");
            return [.. inputNames, target];
        });
        if (table.Rows == 0) throw new InvalidDataException($"{source}: no data rows after the header");
        double[] Column(string name) => table.Column(table.Columns.ToList().IndexOf(name));
        var x = new double[table.Rows, inputNames.Length];
        for (int c = 0; c < inputNames.Length; c++)
        {
            var column = Column(inputNames[c]);
            for (int r = 0; r < column.Length; r++) x[r, c] = column[r];
        }
        return new TabularData(x, Column(target), inputNames, target);
    }

    /// <summary>Builds a table from columns (validated: equal lengths, finite values, at least one row).</summary>
    public static TabularData FromColumns(IReadOnlyList<double[]> inputs, IReadOnlyList<string> names, double[] y, string target, string source)
    {
        if (y.Length == 0) throw new InvalidDataException($"{source}: no data rows");
        var x = new double[y.Length, inputs.Count];
        for (int r = 0; r < y.Length; r++)
            if (!double.IsFinite(y[r])) throw new InvalidDataException($"{source}: row {r}: target '{target}' is {y[r]} (remove rows with NaN or infinite values)");
        for (int c = 0; c < inputs.Count; c++)
        {
            if (inputs[c].Length != y.Length)
                throw new InvalidDataException($"{source}: column '{names[c]}' has {inputs[c].Length} rows but '{target}' has {y.Length}");
            for (int r = 0; r < y.Length; r++)
            {
                if (!double.IsFinite(inputs[c][r]))
                    throw new InvalidDataException($"{source}: row {r}: column '{names[c]}' is {inputs[c][r]} (remove rows with NaN or infinite values)");
                x[r, c] = inputs[c][r];
            }
        }
        return new TabularData(x, y, names.ToArray(), target);
    }
}

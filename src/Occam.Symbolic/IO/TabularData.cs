using System.Globalization;

namespace Occam.Symbolic.IO;

/// <summary>A regression table: inputs (rows × columns) with names, and one target column.</summary>
public sealed record TabularData(double[,] X, double[] Y, IReadOnlyList<string> InputNames, string TargetName)
{
    /// <summary>Number of rows.</summary>
    public int Rows => Y.Length;

    /// <summary>
    /// Reads a CSV file with a header line. <paramref name="target"/> names the target column; <paramref name="inputs"/>
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

    /// <summary>Reads CSV text from a reader; <paramref name="source"/> names it in messages.</summary>
    public static TabularData ReadCsv(TextReader reader, string source, string target, IReadOnlyList<string>? inputs = null)
    {
        string? header = reader.ReadLine();
        int lineNo = 1;
        while (header is not null && (header.Trim().Length == 0 || header.TrimStart().StartsWith('#'))) { header = reader.ReadLine(); lineNo++; }
        if (header is null) throw new InvalidDataException($"{source}: empty file (expected a header line and data rows)");
        char sep = header.Contains(',') ? ',' : header.Contains(';') ? ';' : header.Contains('\t') ? '\t' : ',';
        var columns = Split(header, sep).Select(c => c.Trim().Trim('"')).ToArray();
        for (int i = 0; i < columns.Length; i++)
        {
            if (columns[i].Length == 0) throw new InvalidDataException($"{source}:{lineNo}: header column {i + 1} has no name");
            for (int j = 0; j < i; j++)
                if (columns[j] == columns[i]) throw new InvalidDataException($"{source}:{lineNo}: duplicate column name '{columns[i]}'");
        }
        int Index(string name) =>
            Array.IndexOf(columns, name) is int k and >= 0 ? k
                : throw new ArgumentException($"{source}: no column '{name}' (columns: {string.Join(", ", columns)})");
        int ti = Index(target);
        var inputNames = inputs?.ToArray() ?? columns.Where((_, i) => i != ti).ToArray();
        if (inputNames.Length == 0) throw new ArgumentException($"{source}: no input columns besides the target '{target}'");
        var ii = inputNames.Select(Index).ToArray();
        if (ii.Contains(ti)) throw new ArgumentException($"{source}: the target '{target}' is also listed as an input");

        var rows = new List<double[]>();
        var ys = new List<double>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var fields = Split(line, sep);
            if (fields.Count != columns.Length)
                throw new InvalidDataException($"{source}:{lineNo}: expected {columns.Length} fields, found {fields.Count}");
            double Parse(int col)
            {
                var s = fields[col].Trim().Trim('"');
                if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new InvalidDataException($"{source}:{lineNo}: column '{columns[col]}': '{s}' is not a number");
                if (!double.IsFinite(v))
                    throw new InvalidDataException($"{source}:{lineNo}: column '{columns[col]}': value is {s} (remove rows with NaN or infinite values)");
                return v;
            }
            var row = new double[ii.Length];
            for (int j = 0; j < ii.Length; j++) row[j] = Parse(ii[j]);
            ys.Add(Parse(ti));
            rows.Add(row);
        }
        if (rows.Count == 0) throw new InvalidDataException($"{source}: no data rows after the header");
        return FromRows(rows, ys, inputNames, target);
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

    static TabularData FromRows(List<double[]> rows, List<double> ys, string[] names, string target)
    {
        var x = new double[rows.Count, names.Length];
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < names.Length; c++) x[r, c] = rows[r][c];
        return new TabularData(x, ys.ToArray(), names, target);
    }

    static List<string> Split(string line, char sep)
    {
        var o = new List<string>();
        var cur = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"') { quoted = !quoted; continue; }
            if (c == sep && !quoted) { o.Add(cur.ToString()); cur.Clear(); continue; }
            cur.Append(c);
        }
        o.Add(cur.ToString());
        return o;
    }
}

using System.Globalization;
using System.Text;

namespace Occam.Symbolic.IO;

/// <summary>
/// A numeric table read from delimited text: the one reader behind every CSV Occam reads (<see cref="TabularData"/>,
/// particle data sets, halo catalogues, trajectories). Its rules: blank lines and lines starting with <c>#</c> are
/// skipped; the first other line is the header, whose names must be non-empty and distinct; the delimiter is the
/// header's first of <c>,</c> <c>;</c> tab (comma when it has none); double quotes group a cell and are dropped; cells
/// are trimmed; numbers are invariant-culture; every row has the header's width; NaN and infinities are refused. Every
/// error is an <see cref="InvalidDataException"/> whose one-line message names the source, the line and the column.
/// </summary>
public sealed class NumericTable
{
    readonly double[]?[] values;
    readonly int[] lines;

    NumericTable(string source, string[] columns, double[]?[] values, int[] lines)
    {
        Source = source;
        Columns = columns;
        this.values = values;
        this.lines = lines;
    }

    /// <summary>The file (or other source) the table was read from, as errors name it.</summary>
    public string Source { get; }

    /// <summary>The column names of the header, in order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The number of data rows.</summary>
    public int Rows => lines.Length;

    /// <summary>The line of the source that data row <paramref name="row"/> (from 0) was read from (from 1).</summary>
    public int LineOf(int row) => lines[row];

    /// <summary>The values of column <paramref name="index"/> (one per row); only columns that were read have them.</summary>
    public double[] Column(int index) =>
        values[index] ?? throw new InvalidOperationException($"{Source}: column '{Columns[index]}' was not read");

    /// <summary>Reads a file; <paramref name="select"/> as in <see cref="Read(TextReader, string, Func{IReadOnlyList{string}, IEnumerable{string}}?)"/>.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The text breaks a rule; the message names file, line and column.</exception>
    public static NumericTable Read(string path, Func<IReadOnlyList<string>, IEnumerable<string>>? select = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Read(reader, path, select);
    }

    /// <summary>
    /// Reads delimited text; <paramref name="source"/> names it in messages. <paramref name="select"/> picks, from the
    /// header's names, the columns to read (default: all); the cells of the others are counted but not parsed.
    /// </summary>
    /// <exception cref="InvalidDataException">The text breaks a rule; the message names source, line and column.</exception>
    /// <exception cref="ArgumentException"><paramref name="select"/> names a column the header does not have.</exception>
    public static NumericTable Read(TextReader reader, string source, Func<IReadOnlyList<string>, IEnumerable<string>>? select = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int lineNo = 0;
        string? NextLine()
        {
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lineNo++;
                if (line.Trim().Length > 0 && !line.TrimStart().StartsWith('#')) return line;
            }
            return null;
        }
        var header = NextLine() ?? throw new InvalidDataException($"{source}: empty file (expected a header line and data rows)");
        char sep = header.Contains(',') ? ',' : header.Contains(';') ? ';' : header.Contains('\t') ? '\t' : ',';
        var columns = Split(header, sep).ToArray();
        for (int i = 0; i < columns.Length; i++)
        {
            if (columns[i].Length == 0) throw new InvalidDataException($"{source}:{lineNo}: header column {i + 1} has no name");
            if (Array.IndexOf(columns, columns[i]) < i) throw new InvalidDataException($"{source}:{lineNo}: duplicate column name '{columns[i]}'");
        }
        var read = new bool[columns.Length];
        foreach (var name in select?.Invoke(columns) ?? columns)
        {
            int k = Array.IndexOf(columns, name);
            if (k < 0) throw new ArgumentException($"{source}: no column '{name}' (columns: {string.Join(", ", columns)})");
            read[k] = true;
        }

        var cells = Enumerable.Range(0, columns.Length).Select(c => read[c] ? new List<double>() : null).ToArray();
        var lines = new List<int>();
        string? row;
        while ((row = NextLine()) is not null)
        {
            var fields = Split(row, sep);
            if (fields.Count != columns.Length)
                throw new InvalidDataException($"{source}:{lineNo}: expected {columns.Length} fields, found {fields.Count}");
            for (int c = 0; c < columns.Length; c++)
            {
                if (cells[c] is not { } column) continue;
                var s = fields[c];
                if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new InvalidDataException($"{source}:{lineNo}: column '{columns[c]}': '{s}' is not a number");
                if (!double.IsFinite(v))
                    throw new InvalidDataException($"{source}:{lineNo}: column '{columns[c]}': value is {s} (remove rows with NaN or infinite values)");
                column.Add(v);
            }
            lines.Add(lineNo);
        }
        return new NumericTable(source, columns, cells.Select(c => c?.ToArray()).ToArray(), lines.ToArray());
    }

    /// <summary>The line's cells, trimmed; a double quote starts or ends a quoted part and is dropped.</summary>
    static List<string> Split(string line, char sep)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"') { quoted = !quoted; continue; }
            if (c == sep && !quoted) { cells.Add(cell.ToString().Trim()); cell.Clear(); continue; }
            cell.Append(c);
        }
        cells.Add(cell.ToString().Trim());
        return cells;
    }
}

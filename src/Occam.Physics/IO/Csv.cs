using System.Globalization;
using System.Text;

using Occam.Symbolic.IO;

namespace Occam.Physics.IO;

/// <summary>A numeric table read from or written to CSV: named columns and row-major values.</summary>
public sealed record CsvTable
{
    /// <summary>Creates a table; <paramref name="values"/> is row-major, <c>rows × columns.Count</c>.</summary>
    public CsvTable(IReadOnlyList<string> columns, double[] values)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(values);
        if (columns.Count == 0) throw new ArgumentException("A CSV table needs at least one column.", nameof(columns));
        if (values.Length % columns.Count != 0)
            throw new ArgumentException($"{values.Length} values do not fill whole rows of {columns.Count} columns.", nameof(values));
        Columns = columns;
        Values = values;
    }

    /// <summary>The column names, from the header line.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The values, row-major.</summary>
    public double[] Values { get; }

    /// <summary>The number of data rows.</summary>
    public int Rows => Values.Length / Columns.Count;

    /// <summary>The value in row <paramref name="row"/>, column <paramref name="column"/>.</summary>
    public double this[int row, int column] => Values[row * Columns.Count + column];

    /// <summary>One column's values, by name.</summary>
    /// <exception cref="ArgumentException">No column has that name.</exception>
    public double[] Column(string name)
    {
        int c = -1;
        for (int i = 0; i < Columns.Count; i++)
            if (Columns[i] == name) { c = i; break; }
        if (c < 0) throw new ArgumentException($"The table has no column '{name}' (columns: {string.Join(", ", Columns)}).", nameof(name));
        var result = new double[Rows];
        for (int r = 0; r < result.Length; r++) result[r] = this[r, c];
        return result;
    }
}

/// <summary>
/// Plain CSV for numeric tables: a header line of column names, then one line per row, comma-separated,
/// numbers in invariant culture with round-trip precision. Read by the rules of <see cref="NumericTable"/> (comments,
/// delimiters, quoting, finite values).
/// </summary>
public static class Csv
{
    /// <summary>Reads a numeric CSV file with a header line (by the rules of <see cref="NumericTable"/>).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">A cell is not a finite number or a row has the wrong width; the message gives
    /// file, line and column.</exception>
    public static CsvTable Read(string path) => ToTable(NumericTable.Read(path));

    /// <summary>Reads a numeric CSV table from a reader; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">As for <see cref="Read(string)"/>.</exception>
    public static CsvTable Read(TextReader reader, string source = "CSV") => ToTable(NumericTable.Read(reader, source));

    static CsvTable ToTable(NumericTable table)
    {
        int width = table.Columns.Count;
        var values = new double[table.Rows * width];
        for (int c = 0; c < width; c++)
        {
            var column = table.Column(c);
            for (int r = 0; r < column.Length; r++) values[r * width + c] = column[r];
        }
        return new CsvTable(table.Columns, values);
    }

    /// <summary>Writes a numeric table as CSV, through a temporary file renamed over the target.</summary>
    public static void Write(string path, CsvTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            Write(writer, table);
        });
    }

    /// <summary>Writes a numeric table as CSV to a writer (lines end with <c>\n</c>).</summary>
    public static void Write(TextWriter writer, CsvTable table)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(table);
        foreach (var name in table.Columns)
            if (name.Contains(',') || name.Contains('\n') || name.Contains('"'))
                throw new ArgumentException($"Column name '{name}' contains a comma, quote or line break.", nameof(table));
        writer.Write(string.Join(',', table.Columns));
        writer.Write('\n');
        int width = table.Columns.Count;
        for (int r = 0; r < table.Rows; r++)
        {
            for (int c = 0; c < width; c++)
            {
                if (c > 0) writer.Write(',');
                writer.Write(table.Values[r * width + c].ToString("R", CultureInfo.InvariantCulture));
            }
            writer.Write('\n');
        }
    }
}

using Occam.Physics.IO;

namespace Occam.Physics.Tests;

public sealed class CsvTests
{
    [Fact]
    public void Table_round_trips_with_full_double_precision()
    {
        var table = new CsvTable(["x", "y", "z"], [0.1, -1e-300, 1.0 / 3, double.MaxValue, 5, -0.0]);
        var writer = new StringWriter();
        Csv.Write(writer, table);
        Assert.StartsWith("x,y,z\n", writer.ToString());
        var back = Csv.Read(new StringReader(writer.ToString()));
        Assert.Equal(table.Columns, back.Columns);
        Assert.Equal(table.Values, back.Values);
        Assert.Equal(new[] { 1.0 / 3, -0.0 }, back.Column("z"));
    }

    [Fact]
    public void Non_numeric_cell_is_reported_with_line_and_column()
    {
        var e = Assert.Throws<InvalidDataException>(() => Csv.Read(new StringReader("# note\na,b\n1,2\n3,oops\n"), "data.csv"));
        Assert.Equal("data.csv:4: column 'b': 'oops' is not a number", e.Message);
        Assert.Equal("CSV:2: expected 2 fields, found 3", Assert.Throws<InvalidDataException>(() => Csv.Read(new StringReader("a,b\n1,2,3\n"))).Message);
        Assert.Equal("data.csv:3: column 'a': value is Infinity (remove rows with NaN or infinite values)",
            Assert.Throws<InvalidDataException>(() => Csv.Read(new StringReader("a,b\n1,2\nInfinity,3\n"), "data.csv")).Message);
    }
}

using Occam.Symbolic.IO;

namespace Occam.Symbolic.Tests;

public sealed class NumericTableTests
{
    static NumericTable Read(string text, Func<IReadOnlyList<string>, IEnumerable<string>>? select = null) =>
        NumericTable.Read(new StringReader(text), "t.csv", select);

    static string Error(string text) => Assert.Throws<InvalidDataException>(() => Read(text)).Message;

    [Theory]
    [InlineData("a,b\n1,2\n3,4\n")]
    [InlineData("a;b\n1;2\n3;4\n")]
    [InlineData("a\tb\n1\t2\n3\t4\n")]
    [InlineData("# comment\n\n \"a\" , \"b\"\n  # indented comment\n1, 2\n\n\"3\",4\n")]
    public void Comma_semicolon_and_tab_tables_with_comments_and_quotes_read_alike(string text)
    {
        var table = Read(text);
        Assert.Equal(["a", "b"], table.Columns);
        Assert.Equal([1.0, 3.0], table.Column(0));
        Assert.Equal([2.0, 4.0], table.Column(1));
    }

    [Fact]
    public void Each_row_knows_its_line()
    {
        var table = Read("# c\na,b\n1,2\n\n3,4\n");
        Assert.Equal(3, table.LineOf(0));
        Assert.Equal(5, table.LineOf(1));
    }

    [Fact]
    public void A_quoted_cell_may_hold_the_delimiter()
        => Assert.Equal(["x,y", "z"], Read("\"x,y\",z\n1,2\n").Columns);

    [Fact]
    public void Columns_not_selected_are_not_parsed()
    {
        var table = Read("name,x\nalpha,1\nbeta,2\n", columns => ["x"]);
        Assert.Equal([1.0, 2.0], table.Column(1));
        Assert.Throws<InvalidOperationException>(() => table.Column(0));
        Assert.Equal("t.csv: no column 'q' (columns: name, x)", Assert.Throws<ArgumentException>(() => Read("name,x\n", _ => ["q"])).Message);
    }

    [Theory]
    [InlineData("", "t.csv: empty file (expected a header line and data rows)")]
    [InlineData("a,,b\n", "t.csv:1: header column 2 has no name")]
    [InlineData("# c\na,b,a\n", "t.csv:2: duplicate column name 'a'")]
    [InlineData("a,b\n1,2\n3\n", "t.csv:3: expected 2 fields, found 1")]
    [InlineData("a,b\n1,2\n3,x1\n", "t.csv:3: column 'b': 'x1' is not a number")]
    [InlineData("a,b\n1,nan\n", "t.csv:2: column 'b': value is nan (remove rows with NaN or infinite values)")]
    [InlineData("a,b\n-Infinity,1\n", "t.csv:2: column 'a': value is -Infinity (remove rows with NaN or infinite values)")]
    [InlineData("a,b\n1e999,1\n", "t.csv:2: column 'a': value is 1e999 (remove rows with NaN or infinite values)")]
    public void Every_error_names_the_source_the_line_and_the_column(string text, string expected)
        => Assert.Equal(expected, Error(text));

    [Fact]
    public void A_missing_file_is_named()
        => Assert.Equal("/nonexistent/t.csv: file not found", Assert.Throws<FileNotFoundException>(() => NumericTable.Read("/nonexistent/t.csv")).Message);
}

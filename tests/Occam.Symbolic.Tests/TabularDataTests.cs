using Occam.Symbolic.IO;

namespace Occam.Symbolic.Tests;

public sealed class TabularDataTests
{
    static TabularData Read(string text, string target, IReadOnlyList<string>? inputs = null) =>
        TabularData.ReadCsv(new StringReader(text), "data.csv", target, inputs);

    static string OneLineError(Action a)
    {
        var e = Record.Exception(a);
        Assert.NotNull(e);
        Assert.True(e is InvalidDataException or ArgumentException or FileNotFoundException, e.GetType().Name);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void Csv_with_header_is_read_into_inputs_and_target()
    {
        var t = Read("a,b,y\n1,2,3\n4,5.5,-6e-1\n", "y");
        Assert.Equal(["a", "b"], t.InputNames);
        Assert.Equal([3.0, -0.6], t.Y);
        Assert.Equal(5.5, t.X[1, 1]);
        var s = Read("a,b,y\n1,2,3\n", "a", ["y"]);
        Assert.Equal(["y"], s.InputNames);
        Assert.Equal(3.0, s.X[0, 0]);
        Assert.Equal(1.0, s.Y[0]);
    }

    [Fact]
    public void Ragged_line_names_file_and_line()
        => Assert.Equal("data.csv:3: expected 3 fields, found 2", OneLineError(() => Read("a,b,y\n1,2,3\n4,5\n", "y")));

    [Fact]
    public void Non_numeric_value_names_line_and_column()
        => Assert.Equal("data.csv:2: column 'b': 'x' is not a number", OneLineError(() => Read("a,b,y\n1,x,3\n", "y")));

    [Fact]
    public void Nan_row_is_rejected_with_its_line_and_column()
        => Assert.Contains("data.csv:3: column 'y': value is NaN", OneLineError(() => Read("a,b,y\n1,2,3\n1,2,NaN\n", "y")));

    [Fact]
    public void Missing_column_lists_the_columns()
        => Assert.Equal("data.csv: no column 'z' (columns: a, b, y)", OneLineError(() => Read("a,b,y\n1,2,3\n", "z")));

    [Fact]
    public void Empty_file_and_header_only_file_are_errors()
    {
        Assert.Contains("empty file", OneLineError(() => Read("", "y")));
        Assert.Equal("data.csv: no data rows after the header", OneLineError(() => Read("a,y\n", "y")));
    }

    [Fact]
    public void Missing_file_is_a_file_not_found_error()
        => Assert.Contains("file not found", OneLineError(() => TabularData.ReadCsv("/nonexistent/occam.csv", "y")));
}

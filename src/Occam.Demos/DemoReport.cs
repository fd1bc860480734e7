using System.Globalization;
using System.Text;
using ScottPlot;

namespace Occam.Demos;

/// <summary>One line of a plot: a legend text (empty: not in the legend), its points and an optional colour ("#rrggbb").</summary>
public sealed record PlotSeries(string Label, double[] X, double[] Y, string? Color = null);

/// <summary>Writes demo reports: Markdown and PNG files, each written to a temporary file and renamed.</summary>
public static class DemoReport
{
    internal static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void WriteText(string path, string text) => WriteBytes(path, Encoding.UTF8.GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void WriteBytes(string path, byte[] bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        Occam.Symbolic.IO.AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Draws line plots of the series and writes them as a PNG.</summary>
    /// <remarks>With <paramref name="logLog"/> both axes are logarithmic (the values must be positive); ticks are labelled with the values.</remarks>
    public static void LinePlot(string path, string title, string xLabel, string yLabel, IEnumerable<PlotSeries> series,
        int width = 800, int height = 500, bool markers = false, bool equalAxes = false, bool logLog = false)
    {
        var plot = new Plot();
        foreach (var s in series)
        {
            if (s.X.Length == 0) continue;
            var scatter = logLog ? plot.Add.Scatter(s.X.Select(Math.Log10).ToArray(), s.Y.Select(Math.Log10).ToArray()) : plot.Add.Scatter(s.X, s.Y);
            scatter.LegendText = s.Label;
            scatter.MarkerSize = markers ? 5 : 0;
            if (s.Color is not null) scatter.Color = ScottPlot.Color.FromHex(s.Color);
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend();
        if (equalAxes) plot.Axes.SquareUnits();
        if (logLog)
        {
            static string Label(double log)
            {
                double value = Math.Pow(10, log);
                return value >= 1000 ? value.ToString("N0", Invariant) : value.ToString("G3", Invariant);
            }
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(), LabelFormatter = Label };
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(), LabelFormatter = Label };
            plot.ShowLegend(Edge.Right); // curves over decades fill the corners
        }
        WriteBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }

    internal static string F(double value, string format = "G4") => value.ToString(format, Invariant);
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Occam.Physics.IO;
using Occam.Symbolic.IO;
using ScottPlot;

namespace Occam.Discovery.Halos;

/// <summary>Writes a <see cref="HaloDiscoveryResult"/> as Markdown (report.md) and JSON (summary.json).</summary>
public static class HaloReport
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    static string F(double v, string format = "G4") => v.ToString(format, Inv);

    /// <summary>The summary as JSON.</summary>
    public static JsonObject Summary(HaloDiscoveryResult r)
    {
        var ood = new JsonArray();
        foreach (var row in r.Ood)
            ood.Add(new JsonObject { ["model"] = row.Model, ["trainMae"] = Num(row.TrainMae), ["heldOutMae"] = Num(row.HeldOutMae) });
        return new JsonObject
        {
            ["source"] = r.Source,
            ["halos"] = r.Halos,
            ["edges"] = r.Edges,
            ["radius"] = r.Radius,
            ["subVolumes"] = r.SubVolumes,
            ["steps"] = r.Options.Steps,
            ["holdOutThreshold"] = r.HoldOutThreshold,
            ["messageStd"] = new JsonArray(r.MessageStd.Select(s => (JsonNode)Num(s)!).ToArray()),
            ["component"] = r.Component,
            ["componentVarianceFraction"] = Num(r.ComponentVarianceFraction),
            ["messageR2FreshPairs"] = r.MessageR2 is double m ? Num(m) : null,
            ["pairFormula"] = r.PairFormula.Infix,
            ["pairFormulaR2FreshPairs"] = r.PairFormulaR2 is double f ? Num(f) : null,
            ["recovered"] = r.Recovered,
            ["recovery"] = r.PairFormR2 is double form ? new JsonObject
            {
                ["rule"] = $"the pair formula, its constants and scale refitted to the planted pair term on fresh pairs, has 1 - R2 <= {JudgeStage.FormTolerance:G1}",
                ["form_r2"] = Num(form),
            } : null,
            ["nodeFormula"] = r.NodeFormula.Infix,
            ["plantedPair"] = r.Law?.PairInfix,
            ["plantedNode"] = r.Law?.NodeInfix,
            ["ood"] = ood,
            ["trainSeconds"] = r.TrainSeconds,
            ["seconds"] = r.Seconds,
            ["peakWorkingSetMiB"] = r.PeakWorkingSetBytes / (1024.0 * 1024.0),
        };
    }

    static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(v.ToString(Inv));

    /// <summary>The out-of-distribution table in Markdown.</summary>
    public static string OodTable(HaloDiscoveryResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"| model | MAE, training halos (δ ≤ {F(r.HoldOutThreshold, "F3")}) | MAE, held-out halos (largest {F(100 * r.Options.HoldOutFraction, "F0")} % of δ) |");
        sb.AppendLine("|---|---|---|");
        foreach (var row in r.Ood) sb.AppendLine(CultureInfo.InvariantCulture, $"| {row.Model} | {F(row.TrainMae, "F4")} | {F(row.HeldOutMae, "F4")} |");
        return sb.ToString();
    }

    /// <summary>The Markdown report.</summary>
    public static string Markdown(HaloDiscoveryResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Halo overdensity: graph network and distilled formula");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Catalogue: {r.Source}, {r.Halos} halos, {r.Edges} directed edges within R = {F(r.Radius)}, trained on {r.SubVolumes} spatial sub-volumes for {r.Options.Steps} steps ({F(r.TrainSeconds, "F0")} s). Total {F(r.Seconds, "F0")} s, peak working set {F(r.PeakWorkingSetBytes / (1024.0 * 1024.0), "F0")} MiB.");
        sb.AppendLine();
        if (r.Recovered is bool recovered)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"**recovered: {(recovered ? "true" : "false")}** (the pair formula, its constants and scale refitted to the planted pair term on fresh pairs: 1 − R² = {F(1 - r.PairFormR2!.Value, "G2")}; the planted form holds at ≤ {F(JudgeStage.FormTolerance, "G1")})");
            sb.AppendLine();
        }
        sb.AppendLine("## Messages");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Message standard deviations: {string.Join(", ", r.MessageStd.Select(s => F(s, "G3")))}. Significant component: {r.Component} ({F(100 * r.ComponentVarianceFraction, "F1")} % of the variance).");
        if (r.MessageR2 is double m) sb.AppendLine(CultureInfo.InvariantCulture, $"R² of an affine map from that component to the planted pair term on fresh pairs: **{F(m, "F4")}**.");
        sb.AppendLine();
        sb.AppendLine("## Distilled formulas");
        sb.AppendLine();
        var pairScore = r.PairFormulaR2 is double f ? $" — R² (affine) against the planted pair term on fresh pairs: **{F(f, "F4")}**" : "";
        sb.AppendLine(CultureInfo.InvariantCulture, $"- pair: `ê(r, mj) = {r.PairFormula.Infix}`{pairScore}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- node: `δ(e, mi) = {r.NodeFormula.Infix}` with e = Σⱼ ê(rᵢⱼ, mⱼ)");
        if (r.Law is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"- planted pair term: `{r.Law.PairInfix}`");
            sb.AppendLine(CultureInfo.InvariantCulture, $"- planted node law: `{r.Law.NodeInfix}`");
        }
        sb.AppendLine();
        sb.AppendLine("Pair Pareto front (complexity and loss of the search on the messages, which ran on r/R; the judge's loss 1 − R² of δ ≈ a + e·(b + c·mi + d·mi²) " +
            "on training halos with the formula's constants refitted there, which selects by PySR's rule; expression in catalogue units):");
        sb.AppendLine();
        for (int k = 0; k < r.PairPareto.Count; k++)
        {
            var e = r.PairPareto[k];
            var judged = r.PairJudgeLoss is { } loss ? $", {F(loss[k], "G3")}" : "";
            sb.AppendLine(CultureInfo.InvariantCulture, $"- {e.Complexity}, {F(e.Loss, "G3")}{judged}, `{e.Infix}`");
        }
        sb.AppendLine();
        sb.AppendLine("Node Pareto front (complexity, loss, expression):");
        sb.AppendLine();
        foreach (var e in r.NodePareto) sb.AppendLine(CultureInfo.InvariantCulture, $"- {e.Complexity}, {F(e.Loss, "G3")}, `{e.Infix}`");
        sb.AppendLine();
        sb.AppendLine("## Out of distribution (largest δ held out of training)");
        sb.AppendLine();
        sb.Append(OodTable(r));
        sb.AppendLine();
        sb.AppendLine("Paper (Quijote): GN 0.0634 → 0.142, formula 0.0811 → 0.0892.");
        sb.AppendLine();
        sb.AppendLine("## Plots");
        sb.AppendLine();
        foreach (var file in PlotFiles(r)) sb.AppendLine(CultureInfo.InvariantCulture, $"![{Path.GetFileNameWithoutExtension(file)}]({file})");
        return sb.ToString();
    }

    /// <summary>Writes report.md, summary.json and the PNG plots into <paramref name="directory"/> (each atomically).</summary>
    public static void Write(HaloDiscoveryResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        WritePlots(result, directory);
        var md = Encoding.UTF8.GetBytes(Markdown(result));
        AtomicFile.Write(Path.Combine(directory, "report.md"), s => s.Write(md));
        WriteSummary(result, Path.Combine(directory, "summary.json"));
    }

    /// <summary>File names of the plots <see cref="WritePlots"/> draws for this result.</summary>
    public static IReadOnlyList<string> PlotFiles(HaloDiscoveryResult r)
    {
        var files = new List<string>();
        if (r.Pairs is not null) files.AddRange(["message_vs_pair_term.png", "pair_formula_vs_r.png"]);
        if (r.Deltas is not null) files.Add("delta_predicted_vs_true.png");
        files.Add("ood_mae.png");
        return files;
    }

    static readonly ScottPlot.Palettes.Category10 Palette = new();

    static void Save(Plot plot, string directory, string name, int width = 700, int height = 500)
    {
        var bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(Path.Combine(directory, name), s => s.Write(bytes));
    }

    /// <summary>Indices of at most <paramref name="count"/> of <paramref name="n"/> items, evenly spread (deterministic).</summary>
    static int[] Thin(int n, int count) =>
        n <= count ? Enumerable.Range(0, n).ToArray() : Enumerable.Range(0, count).Select(k => (int)((long)k * n / count)).ToArray();

    /// <summary>Least-squares a, b with a·x + b ≈ y (a = 1, b = 0 when x is constant or not finite).</summary>
    static (double A, double B) Affine(double[] x, double[] y)
    {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int n = 0;
        for (int k = 0; k < x.Length; k++)
        {
            if (!double.IsFinite(x[k]) || !double.IsFinite(y[k])) continue;
            sx += x[k]; sy += y[k]; sxx += x[k] * x[k]; sxy += x[k] * y[k]; n++;
        }
        if (n < 2) return (1, 0);
        double vx = sxx - sx * sx / n;
        if (!(vx > 0)) return (1, 0);
        double a = (sxy - sx * sy / n) / vx;
        return (a, (sy - a * sx) / n);
    }

    /// <summary>
    /// Draws message_vs_pair_term.png (significant message, affinely mapped, against the planted pair term — or
    /// against the pair formula for a real catalogue), pair_formula_vs_r.png (the pair formula and the planted term
    /// against r at three neighbour masses, over the mapped messages), delta_predicted_vs_true.png and ood_mae.png.
    /// </summary>
    public static void WritePlots(HaloDiscoveryResult r, string directory)
    {
        Directory.CreateDirectory(directory);
        if (r.Pairs is HaloPairSample p)
        {
            // Reference scale: the planted pair term when known, else the pair formula itself.
            var reference = p.Planted ?? p.Formula;
            string refName = p.Planted is null ? "pair formula ê(r, mj)" : "planted pair term (C4 + mj) / (C5 + (C6 r)^C7)";
            var (ma, mb) = Affine(p.Message, reference);
            var (fa, fb) = Affine(p.Formula, reference);
            var idx = Thin(p.R.Length, 4000);
            var mapped = idx.Select(k => ma * p.Message[k] + mb).ToArray();

            var plot = new Plot();
            var pts = plot.Add.ScatterPoints(idx.Select(k => reference[k]).ToArray(), mapped);
            pts.MarkerSize = 3;
            pts.Color = Palette.GetColor(0).WithAlpha(0.5);
            pts.LegendText = "message component (affine map)";
            if (p.Planted is not null)
            {
                var fpts = plot.Add.ScatterPoints(idx.Select(k => reference[k]).ToArray(), idx.Select(k => fa * p.Formula[k] + fb).ToArray());
                fpts.MarkerSize = 3;
                fpts.Color = Palette.GetColor(1).WithAlpha(0.5);
                fpts.LegendText = "pair formula (affine map)";
            }
            double hi = reference.Where(double.IsFinite).DefaultIfEmpty(1).Max(), lo = reference.Where(double.IsFinite).DefaultIfEmpty(0).Min();
            var line = plot.Add.Line(lo, lo, hi, hi);
            line.Color = Colors.Black;
            line.LinePattern = LinePattern.Dashed;
            string r2 = (r.MessageR2 is double m ? $"message R² {m:F4}" : "") + (r.PairFormulaR2 is double f ? $", formula R² {f:F4}" : "");
            plot.Title(p.Planted is null ? "significant message vs pair formula" : $"fresh pairs: {r2}");
            plot.XLabel(refName);
            plot.YLabel("affine map onto the x axis");
            plot.ShowLegend(Alignment.UpperLeft);
            Save(plot, directory, "message_vs_pair_term.png");

            // The pair function against r at three neighbour masses.
            var masses = p.Mj.Order().ToArray();
            var plotR = new Plot();
            var bg = plotR.Add.ScatterPoints(idx.Select(k => p.R[k]).ToArray(), mapped);
            bg.MarkerSize = 2;
            bg.Color = Colors.Gray.WithAlpha(0.35);
            bg.LegendText = "messages (all masses, affine map)";
            double rMax = p.R.Max();
            var grid = Enumerable.Range(0, 201).Select(k => rMax * k / 200.0).ToArray();
            var quantiles = new[] { 0.1, 0.5, 0.9 };
            for (int q = 0; q < quantiles.Length; q++)
            {
                double mj = masses[(int)(quantiles[q] * (masses.Length - 1))];
                var x = new double[grid.Length, 2];
                for (int k = 0; k < grid.Length; k++) { x[k, 0] = grid[k]; x[k, 1] = mj; }
                var formula = r.PairFormula.Expression.Evaluate(x).Select(v => fa * v + fb).ToArray();
                var color = Palette.GetColor(q + 1);
                var fl = plotR.Add.ScatterLine(grid, formula);
                fl.Color = color;
                fl.LineWidth = 2;
                fl.LegendText = $"pair formula, mj = {mj:G3}";
                if (r.Law is not null)
                {
                    var law = r.Law;
                    var planted = plotR.Add.ScatterLine(grid, grid.Select(d => law.Pair(d, mj)).ToArray());
                    planted.Color = color;
                    planted.LinePattern = LinePattern.Dashed;
                    planted.LineWidth = 2;
                    planted.LegendText = $"planted, mj = {mj:G3}";
                }
            }
            plotR.Title("pair function vs distance");
            plotR.XLabel("r (catalogue units)");
            plotR.YLabel(p.Planted is null ? "ê(r, mj)" : "pair term (planted scale)");
            plotR.ShowLegend(Alignment.UpperRight);
            Save(plotR, directory, "pair_formula_vs_r.png");
        }

        if (r.Deltas is HaloDeltaSample d)
        {
            var plot = new Plot();
            var idx = Thin(d.Truth.Length, 4000);
            string[] names = ["graph network", "recovered formula"];
            double[][] preds = [d.Network, d.Formula];
            for (int s = 0; s < 2; s++)
            {
                var pred = preds[s];
                var keep = idx.Where(k => double.IsFinite(pred[k])).ToArray();
                var pts = plot.Add.ScatterPoints(keep.Select(k => d.Truth[k]).ToArray(), keep.Select(k => pred[k]).ToArray());
                pts.MarkerSize = 3;
                pts.Color = Palette.GetColor(s).WithAlpha(0.5);
                pts.LegendText = names[s];
            }
            double lo = d.Truth.Min(), hi = d.Truth.Max();
            var line = plot.Add.Line(lo, lo, hi, hi);
            line.Color = Colors.Black;
            line.LinePattern = LinePattern.Dashed;
            var cut = plot.Add.VerticalLine(r.HoldOutThreshold);
            cut.Color = Colors.Red;
            cut.LinePattern = LinePattern.Dotted;
            cut.LegendText = "hold-out threshold (right: not trained on)";
            plot.Title("predicted vs true δ");
            plot.XLabel("true δ");
            plot.YLabel("predicted δ");
            plot.ShowLegend(Alignment.UpperLeft);
            Save(plot, directory, "delta_predicted_vs_true.png");
        }

        {
            var plot = new Plot();
            var bars = new List<Bar>();
            var rows = r.Ood.Where(o => o.Model != "planted law").ToList();
            for (int k = 0; k < rows.Count; k++)
            {
                bars.Add(new Bar { Position = 3 * k, Value = Finite(rows[k].TrainMae), FillColor = Palette.GetColor(0) });
                bars.Add(new Bar { Position = 3 * k + 1, Value = Finite(rows[k].HeldOutMae), FillColor = Palette.GetColor(3) });
            }
            plot.Add.Bars(bars);
            plot.Axes.Bottom.SetTicks(rows.Select((_, k) => 3 * k + 0.5).ToArray(), rows.Select(o => o.Model).ToArray());
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "training halos", FillColor = Palette.GetColor(0) });
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"held-out halos (largest {100 * r.Options.HoldOutFraction:F0} % of δ)", FillColor = Palette.GetColor(3) });
            plot.ShowLegend(Alignment.UpperRight);
            plot.Axes.Margins(bottom: 0, top: 0.25);
            plot.Title("mean absolute error of δ, in and out of distribution");
            plot.YLabel("MAE");
            Save(plot, directory, "ood_mae.png", 600, 450);
        }
    }

    static double Finite(double v) => double.IsFinite(v) ? v : 0;

    /// <summary>Writes the JSON summary to <paramref name="path"/> atomically.</summary>
    public static void WriteSummary(HaloDiscoveryResult result, string path)
    {
        var json = Encoding.UTF8.GetBytes(Summary(result).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.Write(path, s => s.Write(json));
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Occam.Physics.IO;

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
        sb.AppendLine("Pair Pareto front (complexity, loss, expression):");
        sb.AppendLine();
        foreach (var e in r.PairPareto) sb.AppendLine(CultureInfo.InvariantCulture, $"- {e.Complexity}, {F(e.Loss, "G3")}, `{e.Infix}`");
        sb.AppendLine();
        sb.AppendLine("## Out of distribution (largest δ held out of training)");
        sb.AppendLine();
        sb.Append(OodTable(r));
        sb.AppendLine();
        sb.AppendLine("Paper (Quijote): GN 0.0634 → 0.142, formula 0.0811 → 0.0892.");
        return sb.ToString();
    }

    /// <summary>Writes report.md and summary.json into <paramref name="directory"/> (each atomically).</summary>
    public static void Write(HaloDiscoveryResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        var md = Encoding.UTF8.GetBytes(Markdown(result));
        AtomicFile.Write(Path.Combine(directory, "report.md"), s => s.Write(md));
        WriteSummary(result, Path.Combine(directory, "summary.json"));
    }

    /// <summary>Writes the JSON summary to <paramref name="path"/> atomically.</summary>
    public static void WriteSummary(HaloDiscoveryResult result, string path)
    {
        var json = Encoding.UTF8.GetBytes(Summary(result).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.Write(path, s => s.Write(json));
    }
}

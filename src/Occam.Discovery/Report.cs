using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Occam.Symbolic.IO;

namespace Occam.Discovery;

/// <summary>Writes a discovery run's report directory: report.md (equations, LaTeX, R² table), PNG plots and summary.json.</summary>
public static class DiscoveryReport
{
    static string F(double v, string format = "G6") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "nan";

    /// <summary>The summary as JSON: per component std, r2_vs_force, best {equation, sympy, complexity, loss}; overall recovered, seconds.</summary>
    public static JsonObject Summary(DiscoveryResult result)
    {
        var d = result.Distillation;
        var components = new JsonArray();
        foreach (var c in d.Components)
        {
            components.Add(new JsonObject
            {
                ["component"] = c.Fit.Component,
                ["std"] = Num(c.Fit.Std),
                ["mean_kl"] = c.Fit.MeanKl is double kl ? Num(kl) : null,
                ["r2_vs_force"] = Num(c.Fit.R2VsForce),
                ["r2_vs_force_per_mass"] = Num(c.Fit.R2VsForcePerMass),
                ["best"] = Entry(c.Best),
                ["pareto"] = c.Search is null ? null : Front(c.Search),
            });
        }
        var frame = d.Frame is not { } f ? null : new JsonObject
        {
            ["used"] = d.Radial is not null,
            ["components"] = new JsonArray(f.Components.Select(j => (JsonNode)j).ToArray()),
            ["misalignment"] = Num(f.Misalignment),
            ["condition"] = Num(f.Condition),
            ["magnitude"] = d.Radial is not { } radial ? null : new JsonObject
            {
                ["r2_vs_force"] = Num(radial.R2VsForce),
                ["r2_vs_force_per_mass"] = Num(radial.R2VsForcePerMass),
                ["best"] = Entry(radial.Best with { Expression = radial.Magnitude }),
                ["selected_by"] = radial.AccelerationLoss is null ? "score on the search loss" : "accelerations",
                ["refinement"] = radial.Refinement is not { } refinement ? null : new JsonObject
                {
                    ["rounds"] = refinement.Rounds,
                    ["evaluations"] = refinement.Evaluations,
                    ["seconds"] = Num(refinement.Elapsed.TotalSeconds),
                    ["stop_reason"] = refinement.StopReason,
                    ["selected"] = refinement.Pareto.Any(e => ReferenceEquals(e, radial.Best)),
                },
                ["pareto"] = Front(radial.Search, radial.AccelerationLoss, radial.Refinement, radial.Potentials),
                ["receiver_factor"] = radial.ReceiverFactor?.ToInfix(),
                ["receiver_scale"] = radial.Scale is not { } scale ? null : new JsonObject
                {
                    ["m1"] = new JsonArray(scale.Masses.Select(m => (JsonNode?)Num(m)).ToArray()),
                    ["factor"] = new JsonArray(scale.Factor.Select(v => (JsonNode?)Num(v)).ToArray()),
                },
                ["law"] = radial.Law.ToInfix(),
                ["potential"] = SelectedPotential(d)?.ToInfix(),
            },
            ["axes"] = d.Radial is not { } r ? null : new JsonArray(r.Axes.Select(a => (JsonNode)a.ToInfix()).ToArray()),
        };
        var o = result.Options;
        var rc = d.Recovery;
        return new JsonObject
        {
            ["system"] = result.System,
            ["dim"] = o.Dim,
            ["bodies"] = o.Bodies,
            ["variant"] = o.Variant.Name(),
            ["preset"] = o.Preset,
            ["seed"] = o.Seed,
            ["steps"] = o.Steps,
            ["hidden"] = o.Hidden,
            ["operators"] = o.SymbolicOperators is { } ops ? string.Join(",", ops) : null,
            ["final_loss"] = Num(result.TrainLoss),
            ["r2_vs_force"] = Num(d.Analysis.R2VsForce),
            ["r2_vs_force_per_mass"] = Num(d.Analysis.R2VsForcePerMass),
            ["components"] = components,
            ["force_frame"] = frame,
            ["recovered"] = rc.Recovered,
            ["recovery"] = new JsonObject
            {
                ["fresh_r2"] = new JsonArray(rc.R2.Select(x => (JsonNode?)Num(x)).ToArray()),
                ["fresh_min_distance"] = rc.MinDistance,
                ["fresh_r2_all_edges"] = rc.R2AllEdges is null ? null : new JsonArray(rc.R2AllEdges.Select(x => (JsonNode?)Num(x)).ToArray()),
                ["fresh_r2_twice_spread"] = rc.R2Wide is null ? null : new JsonArray(rc.R2Wide.Select(x => (JsonNode?)Num(x)).ToArray()),
                ["form_r2"] = rc.FormR2 is double form ? Num(form) : null,
                ["form_r2_twice_spread"] = rc.FormR2Wide is double fw ? Num(fw) : null,
                ["per_mass"] = rc.PerMass,
                ["structure_ok"] = rc.StructureOk,
                ["missing_variables"] = new JsonArray(rc.Missing.Select(x => (JsonNode?)x).ToArray()),
                ["reason"] = rc.Reason,
            },
            ["out_of_distribution"] = result.OutOfDistribution is { } ood ? new JsonObject
            {
                ["network_error"] = Num(ood.NetworkError),
                ["equation_error"] = Num(ood.EquationError),
                ["network_error_2x_spread"] = Num(ood.NetworkErrorOod),
                ["equation_error_2x_spread"] = Num(ood.EquationErrorOod),
                ["damping"] = Num(ood.Damping),
            } : null,
            ["train_seconds"] = Num(result.TrainSeconds),
            ["training_precision"] = PrecisionName(result.Options),
            ["seconds"] = Num(result.Seconds),
        };
    }

    /// <summary>"bf16" or "fp32": what this machine's training runs the options' matrix products in.</summary>
    static string PrecisionName(DiscoveryOptions o) => Trainer.Resolve(o.Precision, o.Variant).Name();

    static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    static JsonObject Entry(Occam.Symbolic.ParetoEntry e) => new()
    {
        ["equation"] = e.Infix, ["sympy"] = e.Sympy, ["latex"] = e.Latex, ["complexity"] = e.Complexity, ["loss"] = Num(e.Loss),
    };

    /// <summary>The front's entries; with a <paramref name="refinement"/>, each says which search found it ("messages",
    /// "accelerations", or "potential" with the potential U whose −dU/dr it is).</summary>
    static JsonArray Front(Occam.Symbolic.SymbolicRegressionResult search, double[]? accelerationLoss = null,
        Occam.Symbolic.SymbolicRegressionResult? refinement = null, Occam.Symbolic.Expression?[]? potentials = null) =>
        new(search.Pareto.Select((p, i) =>
        {
            var entry = new JsonObject { ["complexity"] = p.Complexity, ["loss"] = Num(p.Loss), ["equation"] = p.Infix };
            if (accelerationLoss is not null) entry["acceleration_loss"] = Num(accelerationLoss[i]);
            if (refinement is not null)
                entry["found_on"] = potentials?[i] is not null ? "potential" : refinement.Pareto.Any(e => ReferenceEquals(e, p)) ? "accelerations" : "messages";
            if (potentials?[i] is { } u) entry["potential"] = u.ToInfix();
            return (JsonNode)entry;
        }).ToArray());

    /// <summary>The pair potential U whose −dU/dr the selected law is (on the pair features, r + ε written out), when the
    /// refinement found it so; null otherwise.</summary>
    static Occam.Symbolic.Expression? SelectedPotential(DistillationResult d)
    {
        if (d.Radial is not { Potentials: { } potentials } radial) return null;
        int best = Enumerable.Range(0, potentials.Length).FirstOrDefault(i => ReferenceEquals(radial.Search.Pareto[i], radial.Best), -1);
        return best < 0 || potentials[best] is not { } u ? null : d.Record.OnPairFeatures(u.OnVariables(d.Record.FeatureNames));
    }

    /// <summary>The searches that ran: one on the force frame's magnitude, or else one per component (label, file-name key, result).</summary>
    static IEnumerable<(string Label, string Key, Occam.Symbolic.SymbolicRegressionResult Search)> Searches(DistillationResult d) =>
        d.Radial is { } radial
            ? [("signed magnitude h", "magnitude", radial.Search)]
            : d.Components.Where(c => c.Search is not null).Select(c => ($"component {c.Fit.Component}", $"{c.Fit.Component}", c.Search!));

    /// <summary>Writes summary JSON to a file (temporary file, then rename).</summary>
    public static void WriteSummary(DiscoveryResult result, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        AtomicFile.WriteText(path, Summary(result).ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    /// <summary>Writes report.md, summary.json and the plots into <paramref name="directory"/>.</summary>
    public static void Write(DiscoveryResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        var d = result.Distillation;
        var o = result.Options;
        var md = new StringBuilder();
        md.AppendLine($"# Symbolic distillation: {result.System}, {o.Dim}D, {o.Bodies} bodies, {o.Variant.Name()} variant");
        // the Hamiltonian's message is the pair energy, compared with the potential as U(r) − U(r_ref) (MessageRecord.Record)
        bool hamiltonian = o.Variant == MessageVariant.Hamiltonian;
        string target = hamiltonian ? "U" : "F";
        md.AppendLine();
        md.AppendLine($"**recovered: {(d.Recovery.Recovered ? "true" : "false")}** ({d.Recovery.Reason}; compared with {(d.Recovery.PerMass ? $"{target} / m_receiver" : target)}, fresh-edge R² {string.Join(", ", d.Recovery.R2.Select(x => F(x, "F4")))} on edges with r ≥ {F(d.Recovery.MinDistance, "G3")}{(d.Recovery.R2AllEdges is { } all ? $"; all fresh edges: {string.Join(", ", all.Select(x => F(x, "F4")))}" : "")}{(d.Recovery.R2Wide is { } wide ? $"; at twice the position spread: {string.Join(", ", wide.Select(x => F(x, "F4")))}" : "")}{(d.Recovery.FormR2 is double form ? $"; {(hamiltonian ? "the force −dU/dr" : "the law's form")}, its constants refitted to the true force: 1 − R² = {F(1 - form, "G2")}{(d.Recovery.FormR2Wide is double fw ? $", at twice the spread {F(1 - fw, "G2")}" : "")} (the form holds at ≤ {F(JudgeStage.FormTolerance, "G1")})" : "")})");
        md.AppendLine();
        md.AppendLine($"Preset {o.Preset}: {o.Sims} simulations × {o.Frames} frames, hidden {o.Hidden} × {o.HiddenLayers}, {o.Steps} steps of batch {o.BatchSize}, peak lr {F(o.LearningRate)}, seed {o.Seed}. " +
            $"Training {F(result.TrainSeconds, "F1")} s ({PrecisionName(o)} matrix products), total {F(result.Seconds, "F1")} s; final loss {F(result.TrainLoss, "G4")}.");
        md.AppendLine();
        md.AppendLine("Pair features: dx, dy, (dz) = x_receiver − x_sender, r = |Δx|, m1, m2 = receiver and sender mass, q1, q2 = their charges.");
        md.AppendLine();
        md.AppendLine("## Significant message components");
        md.AppendLine();
        md.AppendLine($"| component | std | R² vs {target} | R² vs {target}/m₁ | best equation | complexity | loss |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var c in d.Components)
            md.AppendLine($"| {c.Fit.Component} | {F(c.Fit.Std, "G4")} | {F(c.Fit.R2VsForce, "F4")} | {F(c.Fit.R2VsForcePerMass, "F4")} | `{c.Best.Infix}` | {c.Best.Complexity} | {F(c.Best.Loss, "G4")} |");
        md.AppendLine();
        md.AppendLine($"Mean R² of the significant components: {F(d.Analysis.R2VsForce, "F4")} against {target}, {F(d.Analysis.R2VsForcePerMass, "F4")} against {target} / m_receiver."
            + (hamiltonian && d.Record.ReferenceDistance is double reference
                ? $" The pair energy and U are both taken as U(r) − U(r_ref), r_ref = {F(reference, "G4")}: the energy of the pair on its own minus that with the sender moved along the axis to r_ref."
                : ""));
        md.AppendLine();
        if (result.OutOfDistribution is { } ood)
        {
            md.AppendLine("## Out of distribution (twice the position spread)");
            md.AppendLine();
            md.AppendLine("Mean over nodes of ‖a_pred − a_true‖₁; the equations are mapped linearly onto the force, summed over senders and divided by the receiver mass where needed, " +
                          $"plus a force −b·v on each body with b fitted to what they leave of the accelerations (b = {F(ood.Damping, "G4")}).");
            md.AppendLine();
            md.AppendLine("| model | in distribution | 2× position spread |");
            md.AppendLine("|---|---|---|");
            md.AppendLine($"| graph network | {F(ood.NetworkError, "G4")} | {F(ood.NetworkErrorOod, "G4")} |");
            md.AppendLine($"| recovered equations | {F(ood.EquationError, "G4")} | {F(ood.EquationErrorOod, "G4")} |");
            md.AppendLine();
        }
        if (d.Frame is { } frame)
        {
            md.AppendLine("## Force frame");
            md.AppendLine();
            md.AppendLine("The message components are a linear map of the pair force. For a central force, u = B·m + t is parallel to Δx on every " +
                "edge for some B; B and t minimise the share of ‖u‖² off the Δx direction (a generalised eigenproblem), fitted without the law. " +
                $"Here B combines components {string.Join(", ", frame.Components)}; {F(100 * frame.Misalignment, "F2")} % of ‖u‖² is perpendicular to Δx and B has condition number {F(frame.Condition, "G3")}.");
            md.AppendLine();
            if (d.Radial is { } radial)
            {
                md.AppendLine("The axes are parallel to Δx, u = h·Δx / r, so one search ran on the signed magnitude h = u·Δx / r as a function " +
                    "of the rotation invariants (r, masses, charges), and each component's equation above is its linear map of the axes' equations " +
                    "(with a fitted receiver factor s(m₁), below, its loss is that of s(m₁) times the map's linear part, as in the messages). " +
                    "A factor of h that depends on the receiver's mass m₁ alone is not part of the law: the node model sees m₁ and can undo " +
                    "any such factor, so F, F / m₁ and their blends fit the accelerations equally well. The recovered force is the rest of h times Δx / r." +
                    (d.Record.Softening == 0 ? "" : $" The simulator's law is a function of the softened distance |Δx| + {F(d.Record.Softening, "G3")}, so the search's r " +
                        $"(in the front below) is that distance, and the law and axes here, in r = |Δx|, show it as r + {F(d.Record.Softening, "G3")}."));
                md.AppendLine();
                md.AppendLine($"h: R² {F(radial.R2VsForce, "F4")} against the true F·Δx / r, {F(radial.R2VsForcePerMass, "F4")} against F·Δx / (r·m₁).");
                md.AppendLine();
                md.AppendLine($"h = `{radial.Magnitude.ToInfix()}` (complexity {radial.Best.Complexity}, search loss {F(radial.Best.Loss, "G4")})");
                md.AppendLine();
                if (radial.AccelerationLoss is not null)
                {
                    md.AppendLine("Selected on the accelerations: each law of the search's front, summed over each node's senders as G = Σ law·Δx / r, " +
                        "fits the data's accelerations as a ≈ s₀(m)·G + s₁(m)·G / m (s₀, s₁ piecewise linear in ln m) with its constants refitted " +
                        "there; the mean absolute residual (the front's last column) chooses by PySR's rule, the best score within 1.5× of the " +
                        "smallest. The messages copy the network's flaws, a smoothed jump or a softened core, which the accelerations do not have. " +
                        "The law's constants are those of that fit.");
                    md.AppendLine();
                }
                if (radial.Refinement is { } refinement)
                {
                    md.AppendLine($"No law the messages' searches found was exact on the accelerations, so a refinement ran: searches whose loss is " +
                        "that fit's residual (the force law warm-started from their front; then the pair potential; then the force law with constants " +
                        "fitted to the messages; each only when those before it found no law at 1 % of the floor; " +
                        $"{refinement.Rounds} rounds, {refinement.Evaluations} evaluations, " +
                        $"{F(refinement.Elapsed.TotalSeconds, "F1")} s, {refinement.StopReason}). Its laws are marked † in the front below; the selected law " +
                        (refinement.Pareto.Any(e => ReferenceEquals(e, radial.Best)) ? "is one of them." : "is not.") +
                        (radial.Potentials?.Any(u => u is not null) == true ? " Those marked ‡ were found as pair potentials U, searched with the " +
                            "force −dU/dr judged, and are written as that force." : ""));
                    md.AppendLine();
                    if (SelectedPotential(d) is { } potential)
                    {
                        md.AppendLine($"The selected law is −dU/dr of the pair potential U = `{potential.ToInfix()}` (up to scale and an additive constant).");
                        md.AppendLine();
                    }
                }
                md.AppendLine(radial.ReceiverFactor is { } factor
                    ? $"Receiver-mass factor `{factor.ToInfix()}`; law `{radial.Law.ToInfix()}`."
                    : "No factor of h that depends on m₁ alone was separated; the law is h.");
                md.AppendLine();
                if (radial.Scale is { } scale)
                {
                    md.AppendLine("The search fitted h up to a smooth factor of the receiver's mass, s(m₁), piecewise linear in ln m₁; " +
                        "its least-squares values for h ≈ s(m₁)·law:");
                    md.AppendLine();
                    md.AppendLine("| m₁ | " + string.Join(" | ", scale.Masses.Select(m => F(m, "G3"))) + " |");
                    md.AppendLine("|---|" + string.Concat(scale.Masses.Select(_ => "---|")));
                    md.AppendLine("| s | " + string.Join(" | ", scale.Factor.Select(v => F(v, "G3"))) + " |");
                    md.AppendLine();
                }
                md.AppendLine("Recovered force (law · Δx / r):");
                md.AppendLine();
                for (int a = 0; a < radial.Axes.Length; a++) md.AppendLine($"- F_{"xyz"[a]} ∝ `{radial.Axes[a].ToInfix()}`");
            }
            else
            {
                md.AppendLine($"That is more than {F(100 * ForceFrame.MaxMisalignment, "G3")} % (or the axes are nearly dependent), so the symbolic regression ran on each component instead.");
            }
            md.AppendLine();
        }
        md.AppendLine("## Equations");
        md.AppendLine();
        void Equation(string label, Occam.Symbolic.ParetoEntry e)
        {
            md.AppendLine($"{label}:");
            md.AppendLine();
            md.AppendLine("$$");
            md.AppendLine(e.Latex);
            md.AppendLine("$$");
            md.AppendLine();
            md.AppendLine($"SymPy: `{e.Sympy}`");
            md.AppendLine();
        }
        if (d.Radial is { } h) Equation("Signed magnitude h (u = h·Δx / r)", h.Best with { Expression = h.Magnitude });
        foreach (var c in d.Components) Equation($"φ{c.Fit.Component}", c.Best);
        md.AppendLine("## Plots");
        md.AppendLine();
        md.AppendLine("![message std](message_std.png) ![loss](loss.png)");
        md.AppendLine();
        foreach (var c in d.Components)
            md.AppendLine($"![component {c.Fit.Component}](component_{c.Fit.Component}.png)");
        foreach (var (label, key, _) in Searches(d))
            md.AppendLine($"![Pareto front, {label}](pareto_{key}.png)");
        md.AppendLine();
        md.AppendLine("## Pareto fronts");
        foreach (var (label, _, search) in Searches(d))
        {
            md.AppendLine();
            md.AppendLine($"{char.ToUpperInvariant(label[0])}{label[1..]} ({search.StopReason}, {search.Evaluations} evaluations, {F(search.Elapsed.TotalSeconds, "F1")} s):");
            md.AppendLine();
            var judged = d.Radial is { } rd && ReferenceEquals(rd.Search, search) ? rd.AccelerationLoss : null;
            md.AppendLine(judged is null ? "| complexity | loss | equation |" : "| complexity | loss | equation | acceleration loss |");
            md.AppendLine(judged is null ? "|---|---|---|" : "|---|---|---|---|");
            for (int i = 0; i < search.Pareto.Count; i++)
            {
                var p = search.Pareto[i];
                bool refined = d.Radial is { Refinement: { } rf } && ReferenceEquals(d.Radial.Search, search) && rf.Pareto.Any(e => ReferenceEquals(e, p));
                var potential = refined ? d.Radial!.Potentials?[i] : null;
                md.AppendLine($"| {p.Complexity} | {F(p.Loss, "G4")} | `{p.Infix}`{(refined ? potential is null ? " †" : $" ‡ (−dU/dr, U = `{potential.ToInfix()}`)" : "")} |" +
                    (judged is null ? "" : $" {F(judged[i], "G4")} |"));
            }
        }
        AtomicFile.WriteText(Path.Combine(directory, "report.md"), md.ToString());
        WriteSummary(result, Path.Combine(directory, "summary.json"));
        WritePlots(result, directory);
    }

    static void WritePlots(DiscoveryResult result, string directory)
    {
        var d = result.Distillation;
        var record = d.Record;
        int dim = result.Options.Variant == MessageVariant.Hamiltonian ? 1 : record.Dim;
        foreach (var c in d.Components)
        {
            var y = MessageRecord.Column(record.Messages, c.Fit.Component);
            var x = new double[record.Edges, dim];
            for (int i = 0; i < record.Edges; i++)
                for (int k = 0; k < dim; k++)
                {
                    double v = result.Options.Variant == MessageVariant.Hamiltonian ? record.Potential[i] : record.Force[i, k];
                    x[i, k] = c.Fit.PerMass ? v / record.ReceiverMass[i] : v;
                }
            var predicted = LinearFit.Predict(x, c.Fit.Coefficients);
            var plot = new ScottPlot.Plot();
            var points = plot.Add.ScatterPoints(predicted, y);
            points.MarkerSize = 3;
            plot.Title($"message component {c.Fit.Component} (R² {c.Fit.R2:F3})");
            plot.XLabel(c.Fit.PerMass ? "best linear combination of F / m_receiver" : "best linear combination of F");
            plot.YLabel("message component");
            plot.SavePng(Path.Combine(directory, $"component_{c.Fit.Component}.png"), 600, 450);
        }
        foreach (var (label, name, search) in Searches(d))
        {
            var pareto = new ScottPlot.Plot();
            var cx = search.Pareto.Select(p => (double)p.Complexity).ToArray();
            var loss = search.Pareto.Select(p => Math.Log10(Math.Max(p.Loss, 1e-300))).ToArray();
            pareto.Add.Scatter(cx, loss);
            pareto.Title($"Pareto front, {label}");
            pareto.XLabel("complexity");
            pareto.YLabel("log10 loss");
            pareto.SavePng(Path.Combine(directory, $"pareto_{name}.png"), 600, 450);
        }
        var a = d.Analysis;
        var key = a.MeanKl ?? a.Std;
        var sorted = a.Ranking.Take(Math.Min(20, a.Ranking.Length)).Select(i => key[i]).ToArray();
        var strip = new ScottPlot.Plot();
        strip.Add.Bars(sorted);
        strip.Title(a.MeanKl is null ? "message component standard deviations (sorted)" : "message component mean KL (sorted)");
        strip.XLabel("rank");
        strip.YLabel(a.MeanKl is null ? "std" : "mean KL");
        strip.SavePng(Path.Combine(directory, "message_std.png"), 600, 300);

        var lossPlot = new ScottPlot.Plot();
        if (result.LossCurve.Count > 0)
        {
            lossPlot.Add.Scatter(result.LossCurve.Select(p => (double)p.Step).ToArray(),
                result.LossCurve.Select(p => Math.Log10(Math.Max(p.Loss, 1e-300))).ToArray());
        }
        lossPlot.Title("training loss");
        lossPlot.XLabel("step");
        lossPlot.YLabel("log10 loss");
        lossPlot.SavePng(Path.Combine(directory, "loss.png"), 600, 400);
    }
}

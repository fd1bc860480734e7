using System.Text.Json;
using System.Text.Json.Nodes;

namespace Occam.Symbolic;

/// <summary>
/// Hall-of-fame file: JSON with the Pareto front (complexity, loss, infix, sympy, latex). Written to a temporary file
/// and renamed, so a reader never sees half a file; read back to warm-start a later run.
/// </summary>
public static class HallOfFameFile
{
    /// <summary>Writes the entries atomically.</summary>
    public static void Save(string path, IReadOnlyList<ParetoEntry> pareto, ParetoEntry? best = null)
    {
        var json = ToJson(pareto, best ?? (pareto.Count == 0 ? null : Search.Select(pareto, ModelSelection.Best)));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        IO.AtomicFile.WriteText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    /// <summary>The JSON document: <c>{ "best": {...}, "pareto": [ {...}, ... ] }</c>.</summary>
    public static JsonObject ToJson(IReadOnlyList<ParetoEntry> pareto, ParetoEntry? best)
    {
        static JsonObject Entry(ParetoEntry e) => new()
        {
            ["complexity"] = e.Complexity,
            ["loss"] = double.IsFinite(e.Loss) ? e.Loss : null,
            ["score"] = e.Score,
            ["equation"] = e.Infix,
            ["sympy"] = e.Sympy,
            ["latex"] = e.Latex,
        };
        var arr = new JsonArray();
        foreach (var e in pareto) arr.Add(Entry(e));
        return new JsonObject
        {
            ["best"] = best is null ? null : Entry(best),
            ["pareto"] = arr,
            ["variables"] = new JsonArray(pareto.FirstOrDefault()?.Expression.VariableNames.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray() ?? []),
        };
    }

    /// <summary>Reads the equations of a hall-of-fame file (infix forms parsed with <paramref name="variableNames"/> and the
    /// custom <paramref name="operators"/> the search used).</summary>
    public static IReadOnlyList<Expression> Load(string path, IReadOnlyList<string> variableNames, OperatorSet? operators = null)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a hall-of-fame JSON file ({e.Message})"); }
        var list = new List<Expression>();
        if (root is not JsonObject document || document["pareto"] is not JsonArray pareto) throw new InvalidDataException($"{path}: no 'pareto' array");
        foreach (var item in pareto)
        {
            if (item is not JsonObject entry || entry["equation"] is not JsonNode equation) continue;
            if (equation is not JsonValue value || !value.TryGetValue(out string? eq))
                throw new InvalidDataException($"{path}: an equation is not a string ({IO.MessageText.Excerpt(equation.ToJsonString())})");
            try { list.Add(Expression.Parse(eq, variableNames, operators)); }
            catch (FormatException e) { throw new InvalidDataException($"{path}: {e.Message}"); }
        }
        return list;
    }
}

namespace Occam.Symbolic;

/// <summary>
/// What a cluster member needs once per search to run its islands' rounds: the data, the options that shape an island's
/// evolution, and the custom operators' definitions (numbered as the head numbers them). Written by the head, read on
/// each member into a <see cref="SearchContext"/>; doubles travel as their bits.
/// </summary>
internal static class SearchSession
{
    const int Magic = 0x4F434353; // "OCCS"

    /// <summary>The session as bytes.</summary>
    /// <exception cref="NotSupportedException">The options hold something that cannot be sent (a custom loss, an operator
    /// made from a compiled function).</exception>
    public static byte[] Write(Dataset<double> data, SymbolicRegressionOptions o, IReadOnlyList<string> names)
    {
        if (o.CustomLoss is not null)
            throw new NotSupportedException("a custom loss is a compiled function and cannot be sent to cluster members; use a built-in loss (l2, l1, huber)");
        if (o.ConstantFit is not null)
            throw new NotSupportedException("a constant fit is a compiled function and cannot be sent to cluster members");
        var used = o.BinaryOperators.Concat(o.UnaryOperators).ToHashSet();
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(Magic);
            WriteOperators(w, o.CustomOperators, used);
            w.Write(data.Rows); w.Write(data.Features);
            for (int f = 0; f < data.Features; f++) foreach (var v in data.Column(f)) w.Write(v);
            WriteArray(w, data.Y);
            WriteArray(w, data.Weights);
            WriteStrings(w, names);
            WriteStrings(w, o.BinaryOperators);
            WriteStrings(w, o.UnaryOperators);
            w.Write(o.MaxSize); w.Write(o.MaxDepth); w.Write(o.Populations); w.Write(o.PopulationSize); w.Write(o.CyclesPerRound);
            w.Write(o.TournamentSize); w.Write(o.TournamentProbability); w.Write(o.Seed); w.Write((int)o.Loss); w.Write(o.HuberDelta);
            var m = o.Mutations;
            foreach (var x in (double[])[m.MutateConstant, m.MutateOperator, m.MutateFeature, m.SwapOperands, m.Rotate, m.AddNode,
                         m.InsertNode, m.DeleteNode, m.Simplify, m.Randomize, m.DoNothing, m.Optimize]) w.Write(x);
            w.Write(o.CrossoverProbability); w.Write(o.Annealing); w.Write(o.Alpha); w.Write(o.AdaptiveParsimonyScaling); w.Write(o.Parsimony);
            w.Write(o.FractionReplaced); w.Write(o.FractionReplacedHof); w.Write(o.OptimizeProbability); w.Write(o.OptimizeChildProbability);
            w.Write(o.OptimizerIterations); w.Write(o.OptimizerRestarts); w.Write(o.OptimizerMaxRows);
            w.Write(o.ConstantComplexity); w.Write(o.VariableComplexity); w.Write(o.DimensionalPenalty);
            w.Write(o.OperatorComplexity?.Count ?? -1);
            foreach (var (k, v) in o.OperatorComplexity ?? new Dictionary<string, int>()) { w.Write(k); w.Write(v); }
            w.Write(o.OperatorConstraints?.Count ?? -1);
            foreach (var (k, v) in o.OperatorConstraints ?? new Dictionary<string, (int, int)>()) { w.Write(k); w.Write(v.Left); w.Write(v.Right); }
            w.Write(o.NestedConstraints?.Count ?? -1);
            foreach (var (k, inner) in o.NestedConstraints ?? new Dictionary<string, IReadOnlyDictionary<string, int>>())
            {
                w.Write(k); w.Write(inner.Count);
                foreach (var (ik, iv) in inner) { w.Write(ik); w.Write(iv); }
            }
            w.Write(o.VariableUnits is not null);
            if (o.VariableUnits is not null) WriteStrings(w, o.VariableUnits);
            w.Write(o.OutputUnits ?? "\0");
            w.Write(o.BatchSize ?? -1);
        }
        return ms.ToArray();
    }

    /// <summary>Reads a session: defines its custom operators here (from their definitions) and builds the context.</summary>
    public static SearchContext Read(byte[] session)
    {
        using var r = new BinaryReader(new MemoryStream(session));
        if (r.ReadInt32() != Magic) throw new InvalidDataException("not an Occam search session");
        var operators = ReadOperators(r);
        int rows = r.ReadInt32(), features = r.ReadInt32();
        var columns = new double[features][];
        for (int f = 0; f < features; f++)
        {
            columns[f] = new double[rows];
            for (int i = 0; i < rows; i++) columns[f][i] = r.ReadDouble();
        }
        var y = ReadArray(r);
        var weights = ReadArray(r);
        var names = ReadStrings(r);
        var binary = ReadStrings(r);
        var unary = ReadStrings(r);
        var o = new SymbolicRegressionOptions
        {
            VariableNames = names, BinaryOperators = binary, UnaryOperators = unary, CustomOperators = operators,
            MaxSize = r.ReadInt32(), MaxDepth = r.ReadInt32(), Populations = r.ReadInt32(), PopulationSize = r.ReadInt32(),
            CyclesPerRound = r.ReadInt32(), TournamentSize = r.ReadInt32(), TournamentProbability = r.ReadDouble(), Seed = r.ReadInt32(),
            Loss = (LossKind)r.ReadInt32(), HuberDelta = r.ReadDouble(),
            Mutations = new MutationWeights
            {
                MutateConstant = r.ReadDouble(), MutateOperator = r.ReadDouble(), MutateFeature = r.ReadDouble(), SwapOperands = r.ReadDouble(),
                Rotate = r.ReadDouble(), AddNode = r.ReadDouble(), InsertNode = r.ReadDouble(), DeleteNode = r.ReadDouble(),
                Simplify = r.ReadDouble(), Randomize = r.ReadDouble(), DoNothing = r.ReadDouble(), Optimize = r.ReadDouble(),
            },
            CrossoverProbability = r.ReadDouble(), Annealing = r.ReadBoolean(), Alpha = r.ReadDouble(), AdaptiveParsimonyScaling = r.ReadDouble(),
            Parsimony = r.ReadDouble(), FractionReplaced = r.ReadDouble(), FractionReplacedHof = r.ReadDouble(),
            OptimizeProbability = r.ReadDouble(), OptimizeChildProbability = r.ReadDouble(), OptimizerIterations = r.ReadInt32(),
            OptimizerRestarts = r.ReadInt32(), OptimizerMaxRows = r.ReadInt32(), ConstantComplexity = r.ReadInt32(),
            VariableComplexity = r.ReadInt32(), DimensionalPenalty = r.ReadDouble(),
        };
        int n = r.ReadInt32();
        Dictionary<string, int>? complexity = n < 0 ? null : [];
        for (int i = 0; i < n; i++) complexity![r.ReadString()] = r.ReadInt32();
        n = r.ReadInt32();
        Dictionary<string, (int, int)>? constraints = n < 0 ? null : [];
        for (int i = 0; i < n; i++) constraints![r.ReadString()] = (r.ReadInt32(), r.ReadInt32());
        n = r.ReadInt32();
        Dictionary<string, IReadOnlyDictionary<string, int>>? nested = n < 0 ? null : [];
        for (int i = 0; i < n; i++)
        {
            string k = r.ReadString();
            var inner = new Dictionary<string, int>();
            int m = r.ReadInt32();
            for (int j = 0; j < m; j++) inner[r.ReadString()] = r.ReadInt32();
            nested![k] = inner;
        }
        var units = r.ReadBoolean() ? ReadStrings(r) : null;
        string output = r.ReadString();
        int batch = r.ReadInt32();
        o = o with
        {
            OperatorComplexity = complexity, OperatorConstraints = constraints, NestedConstraints = nested,
            VariableUnits = units, OutputUnits = output == "\0" ? null : output, BatchSize = batch < 0 ? null : batch,
        };
        var data = Dataset<double>.FromColumns(columns, y, weights);
        return new SearchContext(data, o);
    }

    /// <summary>
    /// Writes the custom operators in order, each by its definition, so that a member rebuilds the same set (the same
    /// places, so nodes travel as they are). An operator made from a compiled function that the search does not use goes
    /// by name only; one it uses cannot be sent.
    /// </summary>
    static void WriteOperators(BinaryWriter w, OperatorSet operators, HashSet<string> used)
    {
        w.Write(operators.Count);
        var rebuilt = OperatorSet.Empty;
        foreach (var c in operators)
        {
            if (c.Definition is null && used.Contains(c.Name))
                throw new NotSupportedException(
                    $"operator '{c.Name}' was made from a compiled function and cannot be sent to cluster members; define it from an expression instead, e.g. '{c.Name}(x)=log(1+exp(x))'");
            if (c.Definition is not null && !CustomOperator.Define(c.Definition, rebuilt).Equals(c))
                throw new NotSupportedException(
                    $"operator '{c.Definition}' uses other operators than those listed before it in CustomOperators; list each operator after those its definition uses");
            rebuilt = rebuilt.With(c);
            w.Write(c.Name);
            w.Write(c.Arity);
            w.Write(c.Definition ?? "");
        }
    }

    /// <summary>Reads what <see cref="WriteOperators"/> wrote: each definition defined over those before it; an operator sent
    /// by name only keeps its place with a function that fails (giving NaN), since the search never applies it.</summary>
    static OperatorSet ReadOperators(BinaryReader r)
    {
        var operators = OperatorSet.Empty;
        int count = r.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            int arity = r.ReadInt32();
            string definition = r.ReadString();
            var op = definition.Length > 0 ? CustomOperator.Define(definition, operators)
                : arity == 1 ? CustomOperator.FromFunction(name, _ => throw NotSent(name))
                : CustomOperator.FromFunction(name, (_, _) => throw NotSent(name));
            if (op.Name != name || op.Arity != arity) throw new InvalidDataException($"operator definition '{definition}' does not define {name}/{arity}");
            operators = operators.With(op);
        }
        return operators;
    }

    static NotSupportedException NotSent(string name) => new($"operator '{name}' is a compiled function the head did not send");

    static void WriteArray(BinaryWriter w, double[]? a)
    {
        w.Write(a?.Length ?? -1);
        if (a is not null) foreach (var v in a) w.Write(v);
    }

    static double[]? ReadArray(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0) return null;
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.ReadDouble();
        return a;
    }

    static void WriteStrings(BinaryWriter w, IReadOnlyList<string> s)
    {
        w.Write(s.Count);
        foreach (var x in s) w.Write(x);
    }

    static string[] ReadStrings(BinaryReader r)
    {
        var s = new string[r.ReadInt32()];
        for (int i = 0; i < s.Length; i++) s[i] = r.ReadString();
        return s;
    }
}

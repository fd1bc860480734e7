namespace Occam.Symbolic;

/// <summary>One island: a population evolved by tournament selection, mutation, annealing and age-based replacement.</summary>
internal sealed class Island
{
    readonly SearchContext s;
    Rng rng;
    readonly Evaluator<double> ev;
    readonly ConstantOptimizer opt;
    public Member[] Population;
    public readonly HallOfFame Best;
    public readonly long[] SizeCounts;
    public long Evaluations;
    long birth;
    double[] freq = [];
    // The rows this cycle's evaluations use: all the data, or the cycle's mini-batch (SymbolicRegressionOptions.BatchSize),
    // and the batch evaluations made this round (counted as batch/rows of an evaluation at the end of the round).
    Dataset<double>? rows;
    long batchEvaluations;

    /// <summary>An island with no members yet, to be filled by <see cref="ReadState"/> (on a cluster member).</summary>
    public Island(SearchContext s)
    {
        this.s = s;
        rng = new Rng(0);
        ev = s.NewEvaluator();
        opt = s.NewOptimizer(thresholds: false);
        Best = new HallOfFame(s.o.MaxSize);
        SizeCounts = new long[s.o.MaxSize + 1];
        Population = [];
    }

    /// <summary>
    /// Writes the island's whole state: its population and best members (shared members written once, so that aliasing
    /// survives), its generator and its birth counter. Doubles are written as their bits, so a copy evolves exactly alike.
    /// </summary>
    public void WriteState(BinaryWriter w)
    {
        var seen = new Dictionary<Member, int>(ReferenceEqualityComparer.Instance);
        void WriteMember(Member? m)
        {
            if (m is null) { w.Write(-2); return; }
            if (seen.TryGetValue(m, out int k)) { w.Write(k); return; }
            seen[m] = seen.Count;
            w.Write(-1);
            w.Write(m.Nodes.Length);
            foreach (var n in m.Nodes)
            {
                w.Write((byte)n.Op);
                w.Write(n.Index);
                w.Write(n.Value);
            }
            w.Write(m.Loss); w.Write(m.Cost); w.Write(m.Complexity); w.Write(m.Birth);
        }
        w.Write(Population.Length);
        foreach (var m in Population) WriteMember(m);
        w.Write(Best.Slots.Length);
        foreach (var m in Best.Slots) WriteMember(m);
        rng.Write(w);
        w.Write(birth);
    }

    /// <summary>Replaces the island's state by one <see cref="WriteState"/> wrote.</summary>
    public void ReadState(BinaryReader r)
    {
        var seen = new List<Member>();
        Member? ReadMember()
        {
            int tag = r.ReadInt32();
            if (tag == -2) return null;
            if (tag >= 0) return seen[tag];
            var nodes = new Node[r.ReadInt32()];
            for (int i = 0; i < nodes.Length; i++)
            {
                var op = (OpCode)r.ReadByte();
                nodes[i] = new Node(op, r.ReadInt32(), r.ReadDouble());
            }
            var m = new Member(nodes, r.ReadDouble(), r.ReadDouble(), r.ReadInt32(), r.ReadInt64());
            seen.Add(m);
            return m;
        }
        var population = new Member[r.ReadInt32()];
        for (int i = 0; i < population.Length; i++) population[i] = ReadMember()!;
        Population = population;
        int slots = r.ReadInt32();
        if (slots != Best.Slots.Length) throw new InvalidDataException($"island state has {slots} best slots, expected {Best.Slots.Length}");
        for (int i = 0; i < slots; i++) Best.Slots[i] = ReadMember();
        rng = Rng.Read(r);
        birth = r.ReadInt64();
    }

    public Island(SearchContext s, int index)
    {
        this.s = s;
        rng = new Rng(Rng.Mix((ulong)(uint)s.o.Seed, (ulong)index + 1));
        ev = s.NewEvaluator();
        opt = s.NewOptimizer(thresholds: false);
        Best = new HallOfFame(s.o.MaxSize);
        SizeCounts = new long[s.o.MaxSize + 1];
        Population = new Member[s.o.PopulationSize];
        for (int i = 0; i < Population.Length; i++)
        {
            Member? m = null;
            for (int attempt = 0; attempt < 20 && m is null; attempt++)
            {
                var t = s.mut.RandomTree(rng, 1 + rng.Next(Math.Min(s.o.MaxSize, 7)));
                if (s.cfg.IsValid(t, s.o.MaxSize)) m = s.Evaluate(t, ev, NextBirth(), out _);
            }
            m ??= new Member([Node.Const(s.data.Y!.Average())], s.meanLoss, s.meanLoss / s.baseline, s.cfg.Complexity([Node.Const(0)]), NextBirth());
            Population[i] = m;
            Evaluations++;
        }
    }

    public long NextBirth() => ++birth;

    /// <param name="maxSize">The largest complexity a new member may have this round.</param>
    /// <param name="frequency">How often each complexity occurs, normalised (adaptive parsimony).</param>
    /// <param name="stop">Ends the round early (time limit or cancellation); checked once per cycle.</param>
    public void Evolve(int maxSize, double[] frequency, Func<bool> stop)
    {
        freq = (double[])frequency.Clone();
        int cycles = Math.Max(1, s.o.CyclesPerRound);
        int perCycle = Math.Max(1, s.o.PopulationSize / s.o.TournamentSize);
        for (int c = 0; c < cycles && !stop(); c++)
        {
            double temperature = s.o.Annealing && cycles > 1 ? 1.0 - (double)c / (cycles - 1) : 1.0;
            if (s.Batching) rows = DrawBatch();
            for (int k = 0; k < perCycle; k++) Step(maxSize, temperature);
        }
        rows = null;
        if (s.Batching) RescoreOnAllRows();
        // constant optimisation and simplification of the population
        for (int i = 0; i < Population.Length; i++)
        {
            var m = Population[i];
            if (rng.Chance(s.o.OptimizeProbability)) m = Optimize(m);
            var simple = Simplifier.Simplify(m.Nodes, s.allowNeg);
            if (simple.Length < m.Nodes.Length || !simple.AsSpan().SequenceEqual(m.Nodes))
            {
                var sm = s.Evaluate(simple, ev, m.Birth, out _);
                Evaluations++;
                if (sm is not null && sm.Cost <= m.Cost * (1 + 1e-9) + 1e-12) m = sm;
            }
            Population[i] = m;
            Best.Update(m);
        }
    }

    Member Optimize(Member m, int? restarts = null)
    {
        if (!m.Nodes.Any(n => n.Op == OpCode.Constant)) return m;
        var nm = s.WithFittedConstants(m.Nodes, opt, rng, ev, m.Birth, restarts ?? s.o.OptimizerRestarts, out long e, rows);
        Evaluations += e;
        CountEvaluation();
        return nm is not null && nm.Cost < m.Cost ? nm : m;
    }

    /// <summary>Evaluates a tree on this cycle's rows (see <see cref="rows"/>) and counts it.</summary>
    Member? Evaluate(Node[] nodes, long birth)
    {
        CountEvaluation();
        return s.Evaluate(nodes, ev, birth, out _, rows);
    }

    void CountEvaluation()
    {
        if (rows is null) Evaluations++;
        else batchEvaluations++;
    }

    /// <summary>A mini-batch: <see cref="SymbolicRegressionOptions.BatchSize"/> rows drawn with replacement.</summary>
    Dataset<double> DrawBatch()
    {
        var picks = new int[s.o.BatchSize!.Value];
        for (int i = 0; i < picks.Length; i++) picks[i] = rng.Next(s.data.Rows);
        return s.data.Subset(picks);
    }

    /// <summary>
    /// After a batched round: every member's loss on all rows (a member that is no longer finite there is replaced by the
    /// constant mean), so the hall of fame, migration and the next round's selection compare whole-data losses.
    /// </summary>
    void RescoreOnAllRows()
    {
        for (int i = 0; i < Population.Length; i++)
        {
            var m = Population[i];
            Population[i] = s.Evaluate(m.Nodes, ev, m.Birth, out _)
                            ?? new Member([Node.Const(s.data.Y!.Average())], s.meanLoss, s.meanLoss / s.baseline, s.cfg.Complexity([Node.Const(0)]), m.Birth);
            Evaluations++;
        }
        Evaluations += batchEvaluations * s.o.BatchSize!.Value / s.data.Rows;
        batchEvaluations = 0;
    }

    double Adjusted(Member m) =>
        m.Cost * Math.Exp(s.o.AdaptiveParsimonyScaling * freq[Math.Min(m.Complexity, freq.Length - 1)]);

    Member Tournament()
    {
        int n = Math.Min(s.o.TournamentSize, Population.Length);
        Span<int> picks = stackalloc int[n];
        // sample without replacement (partial Fisher–Yates over indices)
        Span<int> idx = stackalloc int[Population.Length];
        for (int i = 0; i < idx.Length; i++) idx[i] = i;
        for (int i = 0; i < n; i++)
        {
            int j = i + rng.Next(idx.Length - i);
            (idx[i], idx[j]) = (idx[j], idx[i]);
            picks[i] = idx[i];
        }
        Span<double> costs = stackalloc double[n];
        for (int i = 0; i < n; i++) costs[i] = Adjusted(Population[picks[i]]);
        // sort picks by adjusted cost (insertion sort; n is small), ties by index for determinism
        for (int i = 1; i < n; i++)
        {
            int pi = picks[i]; double ci = costs[i]; int j = i - 1;
            while (j >= 0 && (costs[j] > ci || (costs[j] == ci && picks[j] > pi))) { picks[j + 1] = picks[j]; costs[j + 1] = costs[j]; j--; }
            picks[j + 1] = pi; costs[j + 1] = ci;
        }
        double p = s.o.TournamentProbability;
        for (int i = 0; i < n - 1; i++) if (rng.Chance(p)) return Population[picks[i]];
        return Population[picks[n - 1]];
    }

    int Oldest()
    {
        int o = 0;
        for (int i = 1; i < Population.Length; i++) if (Population[i].Birth < Population[o].Birth) o = i;
        return o;
    }

    void Replace(Member baby)
    {
        Population[Oldest()] = baby;
        if (baby.Complexity < SizeCounts.Length) SizeCounts[baby.Complexity]++;
        if (rows is null) Best.Update(baby); // a batch loss waits for the round's rescoring
    }

    /// <summary>
    /// One step of regularised evolution. As in PySR (skip_mutation_failures), a child that fails the constraints,
    /// evaluates to a non-finite loss or is rejected by annealing does not enter the population: replacing the
    /// oldest member with a copy of the parent would make the population collapse onto one equation.
    /// </summary>
    void Step(int maxSize, double temperature)
    {
        if (rng.Chance(s.o.CrossoverProbability))
        {
            var a = Tournament();
            var b = Tournament();
            for (int attempt = 0; attempt < 10; attempt++)
            {
                var (c1, c2) = s.mut.Crossover(a.Nodes, b.Nodes, rng);
                if (!s.cfg.IsValid(c1, maxSize) || !s.cfg.IsValid(c2, maxSize)) continue;
                var m1 = Evaluate(c1, NextBirth());
                var m2 = Evaluate(c2, NextBirth());
                if (m1 is not null) Replace(m1);
                if (m2 is not null) Replace(m2);
                return;
            }
            return;
        }
        var parent = Tournament();
        var child = Mutate(parent, maxSize, temperature, out bool evaluated);
        if (child is null) return;
        if (!evaluated)
        {
            child = Evaluate(child.Nodes, NextBirth());
            if (child is null) return;
            if (s.o.OptimizeChildProbability > 0 && rng.Chance(s.o.OptimizeChildProbability)) child = Optimize(child, 0);
        }
        double prob = 1.0;
        if (s.o.Annealing)
        {
            // on a batch the parent is rescored on the same rows (its stored cost is from another batch or all rows)
            double parentCost = rows is null ? parent.Cost : Evaluate(parent.Nodes, parent.Birth)?.Cost ?? double.PositiveInfinity;
            double delta = child.Cost - parentCost;
            prob *= Math.Exp(-delta / (temperature * s.o.Alpha + 1e-12));
        }
        if (s.o.AdaptiveParsimonyScaling > 0)
        {
            double fo = freq[Math.Min(parent.Complexity, freq.Length - 1)], fn = freq[Math.Min(child.Complexity, freq.Length - 1)];
            prob *= fo / fn;
        }
        if (prob < rng.NextDouble()) return;
        child.Birth = NextBirth();
        Replace(child);
    }

    Member? Mutate(Member parent, int maxSize, double temperature, out bool evaluated)
    {
        evaluated = false;
        var w = s.o.Mutations;
        var t = parent.Nodes;
        bool hasConst = false, hasOp = false;
        foreach (var n in t) { hasConst |= n.Op == OpCode.Constant; hasOp |= !n.IsLeaf; }
        Span<double> weights =
        [
            hasConst ? w.MutateConstant : 0, hasOp ? w.MutateOperator : 0, w.MutateFeature, hasOp ? w.SwapOperands : 0,
            hasOp ? w.Rotate : 0, t.Length < maxSize ? w.AddNode : 0, t.Length < maxSize ? w.InsertNode : 0,
            hasOp ? w.DeleteNode : 0, w.Simplify, w.Randomize, w.DoNothing, hasConst ? w.Optimize : 0,
        ];
        double total = 0;
        foreach (var x in weights) total += x;
        if (!(total > 0)) return null;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double r = rng.NextDouble() * total;
            int kind = 0;
            while (kind < weights.Length - 1 && (r -= weights[kind]) >= 0) kind++;
            Node[]? child = kind switch
            {
                0 => s.mut.MutateConstant(t, rng, temperature),
                1 => s.mut.MutateOperator(t, rng),
                2 => s.mut.MutateFeature(t, rng),
                3 => s.mut.SwapOperands(t, rng),
                4 => s.mut.Rotate(t, rng),
                5 => s.mut.AddNode(t, rng),
                6 => s.mut.InsertNode(t, rng),
                7 => s.mut.DeleteNode(t, rng),
                8 => Simplifier.Simplify(t, s.allowNeg),
                9 => s.mut.Randomize(t, rng, maxSize),
                10 => t,
                _ => null,
            };
            if (kind == 10) { evaluated = true; return parent.Clone(0); }
            if (kind == 11) { evaluated = true; return Optimize(parent); }
            if (child is not null && s.cfg.IsValid(child, maxSize)) return new Member(child, 0, 0, 0, 0);
        }
        return null;
    }
}

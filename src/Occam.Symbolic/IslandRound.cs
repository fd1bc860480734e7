namespace Occam.Symbolic;

/// <summary>
/// One island's round as bytes, for running it in another process: (island state, round inputs) → (new island state,
/// round outputs). <see cref="Run"/> deserialises, calls the very <see cref="Island.Evolve"/> that the in-process search
/// calls, and serialises the result; doubles travel as their bits, so the round is the same wherever it runs.
/// </summary>
internal static class IslandRound
{
    /// <summary>The request for one island's round: its index, the round's size limit and frequencies, its state.</summary>
    public static byte[] Request(int index, Island island, int maxSize, double[] frequency)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(index);
            w.Write(maxSize);
            w.Write(frequency.Length);
            foreach (var f in frequency) w.Write(f);
            island.WriteState(w);
        }
        return ms.ToArray();
    }

    /// <summary>The island index a request is for.</summary>
    public static int IndexOf(byte[] request) => BitConverter.ToInt32(request, 0);

    /// <summary>Runs one island's round (a pure function of the request, given the context).</summary>
    public static byte[] Run(SearchContext ctx, byte[] request)
    {
        var island = new Island(ctx);
        int index, maxSize;
        double[] frequency;
        using (var r = new BinaryReader(new MemoryStream(request)))
        {
            index = r.ReadInt32();
            maxSize = r.ReadInt32();
            frequency = new double[r.ReadInt32()];
            for (int i = 0; i < frequency.Length; i++) frequency[i] = r.ReadDouble();
            island.ReadState(r);
        }
        island.Evolve(maxSize, frequency, static () => false);
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(index);
            island.WriteState(w);
            w.Write(island.SizeCounts.Length);
            foreach (var c in island.SizeCounts) w.Write(c);
            w.Write(island.Evaluations);
        }
        return ms.ToArray();
    }

    /// <summary>Takes a round's response into the head's island: its new state, and adds its size counts and evaluations.</summary>
    public static void Apply(Island island, byte[] response)
    {
        using var r = new BinaryReader(new MemoryStream(response));
        r.ReadInt32();
        island.ReadState(r);
        int n = r.ReadInt32();
        for (int c = 0; c < n; c++) island.SizeCounts[c] += r.ReadInt64();
        island.Evaluations += r.ReadInt64();
    }
}

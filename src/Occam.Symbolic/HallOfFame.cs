namespace Occam.Symbolic;

/// <summary>Best member at each complexity.</summary>
internal sealed class HallOfFame(int maxSize)
{
    public readonly Member?[] Slots = new Member?[maxSize + 1];

    public bool Update(Member m)
    {
        if (m.Complexity >= Slots.Length || !double.IsFinite(m.Cost)) return false;
        var cur = Slots[m.Complexity];
        if (cur is not null && !(m.Cost < cur.Cost)) return false;
        Slots[m.Complexity] = m.Clone(m.Birth);
        return true;
    }

    /// <summary>Members that are strictly better than every simpler member (ascending complexity).</summary>
    public List<Member> Front()
    {
        var o = new List<Member>();
        double best = double.PositiveInfinity;
        foreach (var m in Slots)
            if (m is not null && m.Cost < best) { o.Add(m); best = m.Cost; }
        return o;
    }
}

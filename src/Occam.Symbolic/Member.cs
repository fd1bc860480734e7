namespace Occam.Symbolic;

/// <summary>One candidate equation with its fitness.</summary>
internal sealed class Member(Node[] nodes, double loss, double cost, int complexity, long birth)
{
    public Node[] Nodes = nodes;
    public double Loss = loss;       // raw loss on the data
    public double Cost = cost;       // normalised loss + penalties (what selection compares)
    public int Complexity = complexity;
    public long Birth = birth;
    public Member Clone(long birth) => new(Nodes, Loss, Cost, Complexity, birth);
}

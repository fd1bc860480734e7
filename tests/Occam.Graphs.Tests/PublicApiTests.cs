using Occam.Tests.Shared;

namespace Occam.Graphs.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void Public_API_matches_the_approved_text() => PublicApiSnapshot.Verify(typeof(Occam.Graphs.GraphBatch).Assembly);
}

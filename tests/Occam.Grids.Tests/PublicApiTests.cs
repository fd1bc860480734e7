using Occam.Tests.Shared;

namespace Occam.Grids.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void Public_API_matches_the_approved_text() => PublicApiSnapshot.Verify(typeof(GridGroup).Assembly);
}

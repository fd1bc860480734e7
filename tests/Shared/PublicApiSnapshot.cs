using System.Reflection;
using PublicApiGenerator;

namespace Occam.Tests.Shared;

/// <summary>
/// The public API of a package, compared with its approved text in tests/PublicApi/&lt;assembly&gt;.txt, so that a
/// change to the public surface is a visible change in review. On a difference the test writes
/// &lt;assembly&gt;.received.txt beside the approved file and fails; copy it over the approved file when the change
/// is intended (or run the tests with OCCAM_ACCEPT_API=1, which does that).
/// </summary>
public static class PublicApiSnapshot
{
    public static void Verify(Assembly assembly)
    {
        string name = assembly.GetName().Name!;
        string actual = Normalise(assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }));
        string folder = Path.Combine(RepositoryRoot(), "tests", "PublicApi");
        string approvedPath = Path.Combine(folder, name + ".txt");
        string receivedPath = Path.Combine(folder, name + ".received.txt");
        string? approved = File.Exists(approvedPath) ? Normalise(File.ReadAllText(approvedPath)) : null;
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return;
        }
        if (Environment.GetEnvironmentVariable("OCCAM_ACCEPT_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, actual);
        Assert.Fail(approved is null
            ? $"no approved public API for {name}: review {receivedPath} and rename it to {name}.txt"
            : $"the public API of {name} changed: review `diff {approvedPath} {receivedPath}` and, if intended, copy the received file over the approved one (or run with OCCAM_ACCEPT_API=1)");
    }

    static string Normalise(string text) => text.Replace("\r\n", "\n").TrimEnd() + "\n";

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Occam.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Occam.slnx above {AppContext.BaseDirectory}");
    }
}

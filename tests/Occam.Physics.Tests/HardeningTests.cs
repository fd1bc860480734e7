using System.IO.Compression;
using System.Runtime.InteropServices;
using Occam.Physics.IO;
using Occam.Symbolic.IO;

namespace Occam.Physics.Tests;

/// <summary>Simulations that cannot go on, corrupt data files and special output paths give one clear error.</summary>
public sealed partial class HardeningTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("occam-hardening-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    string File(string name) => Path.Combine(folder, name);

    [Theory]
    [InlineData("1/0")]
    [InlineData("1/(r-r)")]
    [InlineData("exp(exp(exp(r)))")]
    public void A_potential_whose_forces_are_not_finite_gives_an_error_naming_it_and_the_time(string potential)
    {
        var options = new SimulationOptions { System = ParticleSystem.Custom(potential), Sims = 2, Steps = 5 };
        var e = Assert.Throws<SimulationException>(() => Simulator.Run(options));
        Assert.Contains($"potential '{potential}'", e.Message);
        Assert.Contains("t = ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_potential_that_blows_up_later_names_the_time_it_did()
    {
        // Finite at the start, but the pair's attraction 1/r^8 collapses two bodies within the run.
        var options = new SimulationOptions { System = ParticleSystem.Custom("-100/r^8"), Sims = 1, Steps = 200, Dt = 0.01 };
        var e = Assert.Throws<SimulationException>(() => Simulator.Run(options));
        Assert.Contains("potential '-100/r^8'", e.Message);
        Assert.True(e.Time > 0, $"time {e.Time}: {e.Message}");
    }

    [Fact]
    public void A_finite_potential_simulates_as_before()
    {
        var data = Simulator.Run(new SimulationOptions { System = ParticleSystem.Custom("(r-1)^2"), Sims = 2, Steps = 5 });
        Assert.Equal(2, data.Sims);
    }

    static byte[] Npz(params (string Name, double[] Values)[] arrays)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, values) in arrays)
            {
                using var member = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression).Open();
                Npy.Write(member, NpyArray.FromDoubles(values, values.Length));
            }
        return stream.ToArray();
    }

    [Fact]
    public void An_npz_member_with_a_bad_crc_is_refused()
    {
        var bytes = Npz(("x", [1.0, 2.0, 3.0]));
        var path = File("bad-crc.npz");
        System.IO.File.WriteAllBytes(path, bytes);
        Assert.Equal([1.0, 2.0, 3.0], Occam.Physics.IO.Npz.Read(path)["x"].ToDoubles()); // control: intact, it reads
        // Flip one byte of the last value (stored, so the data bytes sit just before the central directory).
        int central = bytes.AsSpan().LastIndexOf("PK\u0001\u0002"u8);
        bytes[central - 3] ^= 0x40;
        System.IO.File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Occam.Physics.IO.Npz.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("CRC-32 mismatch", e.Message);
        Assert.Contains("x.npy", e.Message);
    }

    [Fact]
    public void An_npy_header_promising_more_data_than_the_file_holds_is_refused_before_allocating()
    {
        var stream = new MemoryStream();
        Npy.Write(stream, NpyArray.FromDoubles([1.0, 2.0], 2));
        var text = System.Text.Encoding.Latin1.GetString(stream.ToArray());
        // (2,) → (2000000000,): 16 GB promised by a 130-byte file
        var forged = text.Replace("(2,)", "(2000000000,)");
        var path = File("forged.npy");
        System.IO.File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(forged));
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains("ends early", e.Message);
        Assert.Contains("2000000000", e.Message);
    }

    [Fact]
    public void An_npy_shape_whose_size_overflows_is_an_invalid_data_error()
    {
        var stream = new MemoryStream();
        Npy.Write(stream, NpyArray.FromDoubles([1.0, 2.0, 3.0, 4.0], 2, 2));
        var forged = System.Text.Encoding.Latin1.GetString(stream.ToArray()).Replace("(2, 2)", "(2147483647, 2147483647)");
        var e = Assert.Throws<InvalidDataException>(() => Npy.Read(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(forged))));
        Assert.Contains("too large", e.Message);
    }

    [Fact]
    public void Temporary_files_left_by_a_killed_write_are_removed_by_the_next_write()
    {
        var target = File("data.csv");
        // What a write killed mid-way leaves: a temporary named after a process that no longer runs (pid 2^22 + 1 is
        // beyond Linux's default pid range), and one of this process (a write in progress here) that must stay.
        var stale = File($".data.csv.{(1 << 22) + 1}.0123456789abcdef0123456789abcdef.tmp");
        var live = File($".data.csv.{Environment.ProcessId}.fedcba9876543210fedcba9876543210.tmp");
        var other = File($".other.csv.{(1 << 22) + 1}.0123456789abcdef0123456789abcdef.tmp");
        var longerName = File($".data.csv.5.{(1 << 22) + 1}.0123456789abcdef0123456789abcdef.tmp"); // target data.csv.5's
        foreach (var f in new[] { stale, live, other, longerName }) System.IO.File.WriteAllText(f, "partial");
        AtomicFile.WriteText(target, "a,b\n1,2\n");
        Assert.Equal("a,b\n1,2\n", System.IO.File.ReadAllText(target));
        Assert.False(System.IO.File.Exists(stale));
        Assert.True(System.IO.File.Exists(live));
        Assert.True(System.IO.File.Exists(other));
        Assert.True(System.IO.File.Exists(longerName));
    }

    [Fact]
    public void A_killed_npy_folder_write_leaves_a_temporary_folder_that_the_next_write_removes()
    {
        var target = File("data");
        var stale = File($".data.{(1 << 22) + 1}.0123456789abcdef0123456789abcdef.tmp");
        Directory.CreateDirectory(stale);
        System.IO.File.WriteAllText(Path.Combine(stale, "positions.npy"), "partial");
        var data = Simulator.Run(new SimulationOptions { Sims = 1, Steps = 2, Bodies = 2 });
        data.Save(target, DatasetFormat.Npy);
        Assert.False(Directory.Exists(stale));
        Assert.Equal(data.Positions, ParticleDataset.Load(target).Positions);
        Assert.Equal([target], Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void Standard_output_and_links_to_devices_are_refused_and_the_links_stay()
    {
        if (OperatingSystem.IsWindows()) return;
        // /dev/stdout is a link to /proc/self/fd/1, which names a regular file when output is redirected to one: a
        // rename over it would replace the link in /dev itself (as root). Only checks here, never a write to it.
        Assert.Contains("device or system file", Assert.Throws<IOException>(() => AtomicFile.EnsureWritable("/dev/stdout")).Message);
        var link = File("out.npz");
        System.IO.File.CreateSymbolicLink(link, "/dev/null");
        Assert.Contains("links to the device or system file /dev/null", Assert.Throws<IOException>(() => AtomicFile.WriteText(link, "x")).Message);
        Assert.Equal("/dev/null", new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Writing_through_a_link_replaces_the_file_it_names_and_keeps_the_link()
    {
        var target = File("target.txt");
        var link = File("link.txt");
        System.IO.File.WriteAllText(target, "old");
        System.IO.File.CreateSymbolicLink(link, target);
        AtomicFile.WriteText(link, "new");
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal("new", System.IO.File.ReadAllText(target));
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    [Fact]
    public void A_special_file_as_output_is_refused_not_replaced_by_a_regular_file()
    {
        if (!OperatingSystem.IsLinux()) return;
        var fifo = File("pipe");
        Assert.Equal(0, MakeFifo(fifo, Convert.ToUInt32("644", 8)));
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteText(fifo, "x"));
        Assert.Contains("not a regular file", e.Message);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
        // still a pipe (a rename would have made it a regular file, which the check accepts)
        Assert.Contains("not a regular file", Assert.Throws<IOException>(() => AtomicFile.EnsureWritable(fifo)).Message);
        // control: a regular file is written and replaced as usual
        var regular = File("regular.txt");
        AtomicFile.WriteText(regular, "x");
        AtomicFile.WriteText(regular, "y");
        Assert.Equal("y", System.IO.File.ReadAllText(regular));
    }
}

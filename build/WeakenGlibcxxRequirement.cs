using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// MSBuild inline task (compiled by RoslynCodeTaskFactory). Kept free of newer C# features.
public class OccamWeakenGlibcxxRequirement : Task
{
    const string Version = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    [Required]
    public string Directory { get; set; }

    // Patch even where this machine's libstdc++ has the version: for output that runs elsewhere (the dotnet tool's package).
    public bool Always { get; set; }

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory)) return true;
        string[] libraries = System.IO.Directory.GetFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        if (libraries.Length == 0) return true;
        if (!Always && SystemLibstdcxxHasVersion())
        {
            Log.LogMessage(MessageImportance.Low, "System libstdc++ provides " + Version + "; TorchSharp needs no fix.");
            return true;
        }
        foreach (string library in libraries)
        {
            try
            {
                string result = Patch(library);
                Log.LogMessage(MessageImportance.Normal, "TorchSharp Linux fix: " + library + ": " + result);
            }
            catch (Exception e)
            {
                Log.LogWarning("TorchSharp Linux fix could not patch " + library + ": " + e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    static bool SystemLibstdcxxHasVersion()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6",
            "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };
        byte[] needle = Encoding.ASCII.GetBytes(Version + "\0");
        foreach (string path in candidates)
        {
            if (!File.Exists(path)) continue;
            byte[] bytes = File.ReadAllBytes(path);
            return IndexOf(bytes, needle) >= 0;
        }
        return false; // unknown layout: patching is harmless where the version exists
    }

    static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    // Returns what was done. Throws on a file that is not the ELF64 little-endian library expected.
    static string Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not ELF64 little-endian");

        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
            int count = (int)BitConverter.ToUInt32(elf, (int)sh + 0x2C);
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);

            long vn = offset;
            for (int i = 0; i < count; i++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    int nameOffset = (int)BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadString(elf, strtab + nameOffset) == Version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlgWeak) != 0) return "already weak";
                        flags |= VerFlgWeak;
                        elf[aux + 4] = (byte)(flags & 0xff);
                        elf[aux + 5] = (byte)(flags >> 8);
                        WriteReplacing(path, elf);
                        return "marked " + Version + " weak";
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                vn += BitConverter.ToUInt32(elf, (int)vn + 12);
            }
        }
        return "no " + Version + " requirement";
    }

    static string ReadString(byte[] bytes, long start)
    {
        long end = start;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }

    // Write beside and rename: never writes through a hard link into the package cache,
    // and keeps the timestamp so incremental copies see the file as up to date.
    static void WriteReplacing(string path, byte[] bytes)
    {
        DateTime stamp = File.GetLastWriteTimeUtc(path);
        string temp = path + ".occam-tmp";
        File.WriteAllBytes(temp, bytes);
        File.SetLastWriteTimeUtc(temp, stamp);
        File.Delete(path);
        File.Move(temp, path);
    }
}

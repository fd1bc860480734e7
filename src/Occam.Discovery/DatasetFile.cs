using Occam.Physics;
using Occam.Symbolic.IO;

namespace Occam.Discovery;

/// <summary>A user's particle data set, read and checked for discovery.</summary>
public static class DatasetFile
{
    /// <summary>Reads a user's data set (.npz, .csv, .h5 or .npy folder as written by <c>occam simulate</c>; <c>data.h5:/group</c>
    /// for one stored in an HDF5 group) and checks that the network can use it. Every problem becomes one
    /// <see cref="InvalidDataException"/> line naming the file.</summary>
    public static ParticleDataset Load(string path)
    {
        var file = Occam.Physics.IO.Hdf5Location.TryParse(path, out var location) ? location.File : path;
        if (!File.Exists(file) && !Directory.Exists(file)) throw new FileNotFoundException($"data file '{file}' does not exist", file);
        ParticleDataset data;
        try
        {
            data = ParticleDataset.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or IOException or KeyNotFoundException
            or IndexOutOfRangeException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidDataException($"cannot read data file '{path}': {MessageText.OneLine(e.Message)}", e);
        }
        if (data.Dim is not (2 or 3)) throw new InvalidDataException($"data file '{path}' is {data.Dim}D; discovery needs 2D or 3D data");
        if (data.Bodies < 2) throw new InvalidDataException($"data file '{path}' has {data.Bodies} body per simulation; discovery needs at least 2");
        CheckFinite(path, "positions", data.Positions);
        CheckFinite(path, "velocities", data.Velocities);
        CheckFinite(path, "accelerations", data.Accelerations);
        CheckFinite(path, "masses", data.Masses);
        CheckFinite(path, "charges", data.Charges);
        return data;
    }

    static void CheckFinite(string path, string name, double[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i])) throw new InvalidDataException($"data file '{path}': {name}[{i}] (flat index) is {values[i]}");
    }
}

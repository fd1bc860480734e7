namespace Occam.Symbolic.IO;

/// <summary>Puts text from the user's input (an expression, a file header) into an error message that stays one line.</summary>
public static class MessageText
{
    /// <summary>The text cut to its first <paramref name="max"/> characters (with "…" when cut), control characters such as
    /// line breaks and NUL shown as <c>\uXXXX</c> escapes.</summary>
    public static string Excerpt(string text, int max = 60)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cut = text.Length <= max ? text : text[..max] + "…";
        return string.Concat(cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    /// <summary>The text on one line: line breaks become spaces, and the ends are trimmed.</summary>
    public static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    /// <summary>An exception's message on one line, without the <c>(Parameter 'name')</c> that .NET appends for an
    /// argument's name.</summary>
    public static string Of(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var text = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
        return OneLine(text);
    }
}

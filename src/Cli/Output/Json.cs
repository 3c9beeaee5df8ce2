using Google.Protobuf;

namespace Federation.Cli.Output;

public static class Json
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly System.Text.Json.JsonSerializerOptions Options = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase };

    public static string Format(IMessage message) => Formatter.Format(message);

    public static string Serialize<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, Options);
}

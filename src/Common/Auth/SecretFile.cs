namespace Federation.Common.Auth;

/// <summary>A credential kept in a file of its own (an operator token, a secret two peers share): read, or made once readable by its owner only.</summary>
public static class SecretFile
{
    /// <summary>The file's credential, trimmed (a trailing newline is not part of it); null with the reason when there is none to use.</summary>
    public static string? TryRead(string path, out string problem)
    {
        problem = "";
        try
        {
            if (!File.Exists(path))
            {
                problem = "does not exist";
                return null;
            }
            var secret = File.ReadAllText(path).Trim();
            if (secret.Length > 0) return secret;
            problem = "is empty";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot be read: {e.Message.ReplaceLineEndings(" ").TrimEnd('.')}";
        }
        return null;
    }

    /// <summary>The file's credential; a new one (<see cref="BearerToken.New"/>) written there first, owner-only, when there is none.</summary>
    public static string LoadOrCreate(string path)
    {
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing) return existing;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var token = BearerToken.New();
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, options))
        using (var writer = new StreamWriter(file))
            writer.Write(token);
        File.Move(temporary, path, overwrite: true);
        return token;
    }
}

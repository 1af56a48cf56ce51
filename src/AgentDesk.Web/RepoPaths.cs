namespace AgentDesk.Web;

/// <summary>Finds files that live at the repository root (development settings, shared assets).</summary>
public static class RepoPaths
{
    /// <summary>The nearest folder above <paramref name="start"/> holding AgentDesk.sln, or null outside a checkout.</summary>
    public static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AgentDesk.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>wwwroot-assets next to the binaries (copied by the build) or at the repository root.</summary>
    public static string AssetsFolder(string contentRoot)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets");
        if (Directory.Exists(beside)) return beside;
        var root = FindRoot(contentRoot) ?? FindRoot(AppContext.BaseDirectory);
        return root is null ? beside : Path.Combine(root, "wwwroot-assets");
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentDesk.Bench.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AgentDesk.Bench.Scenarios;

/// <summary>What seeding one size band measured, kept with its database so a run that reuses it can still report it.</summary>
public sealed record SeededSize(int Size, int FromSize, double MemoriesPerSecond, DateTimeOffset SeededAt, string Revision, int BatchSize, int Clients);

/// <summary>
/// The scale scenario's seeded databases, kept between runs (<c>--data-cache DIR</c>): seeding a
/// million memories takes many minutes, measuring them a few. Layout:
/// <c>DIR/&lt;key&gt;/&lt;size&gt;/bench.db[-wal]</c>, one snapshot per size taken right after seeding
/// (before any measurement), and <c>DIR/&lt;key&gt;/manifest.json</c> with the corpus's time anchor
/// and each size's seeding figures. The key names everything the content depends on: the corpus
/// version, seed and conversation layout, and a fingerprint of the server that wrote it — its
/// schema (<c>sqlite_master</c> and <c>schema_version</c>), its <c>appsettings.json</c> and the
/// <c>--server-env</c> overrides. So a server with a new migration or changed settings (e.g. an
/// embedding model configured) gets a new key and seeds afresh. A change the fingerprint cannot see
/// — new code that stores or embeds differently behind the same schema and settings — needs
/// <c>--reseed</c>, which deletes this key's snapshots first.
/// </summary>
public sealed class ScaleDataCache
{
    private const string ManifestFile = "manifest.json";
    private static readonly string[] DatabaseFiles = ["bench.db", "bench.db-wal"];
    private static readonly JsonSerializerOptions JsonOptions = new(ApiClient.JsonOptions) { WriteIndented = true };

    private readonly TextWriter _log;
    private readonly Manifest _manifest;

    private ScaleDataCache(string folder, Manifest manifest, TextWriter log)
    {
        Folder = folder;
        _manifest = manifest;
        _log = log;
    }

    public string Folder { get; }

    /// <summary>"Now" of the first seeding: created_at of every generated memory is spread over the year before it.</summary>
    public long AnchorUnixSeconds => _manifest.AnchorUnixSeconds;

    /// <summary>Opens (or creates) the folder for <paramref name="key"/>; <paramref name="reseed"/> empties it first.</summary>
    public static ScaleDataCache Open(string root, string key, bool reseed, long nowUnixSeconds, TextWriter log)
    {
        var folder = Path.Combine(Path.GetFullPath(root), key);
        if (reseed && Directory.Exists(folder))
        {
            log.WriteLine($"--reseed: deleting the cached databases in {folder}");
            Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(folder);
        var manifestPath = Path.Combine(folder, ManifestFile);
        var manifest = File.Exists(manifestPath)
            ? JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath), JsonOptions) ?? throw new InvalidDataException($"{manifestPath} is empty")
            : new Manifest(key, nowUnixSeconds, []);
        // A snapshot whose copy was interrupted has no manifest entry; its folder is overwritten when that size is seeded again.
        var others = Directory.EnumerateDirectories(Path.GetFullPath(root)).Where(d => Path.GetFileName(d) != key).ToList();
        if (others.Count > 0)
            log.WriteLine($"note: {others.Count} other cache key(s) in {root} (another corpus, seed or server); delete them by hand if they are stale: {string.Join(", ", others.Select(Path.GetFileName))}");
        return new ScaleDataCache(folder, manifest, log);
    }

    public SeededSize? Find(int size) => _manifest.Sizes.FirstOrDefault(s => s.Size == size);

    /// <summary>The largest cached size below <paramref name="size"/>, to grow from; null when there is none.</summary>
    public SeededSize? LargestBelow(int size) => _manifest.Sizes.Where(s => s.Size < size).MaxBy(s => s.Size);

    /// <summary>Replaces the database in <paramref name="workDirectory"/> (server stopped) by the snapshot of <paramref name="size"/>.</summary>
    public void Load(int size, string workDirectory)
    {
        var started = DateTime.UtcNow;
        foreach (var name in DatabaseFiles.Append("bench.db-shm")) File.Delete(Path.Combine(workDirectory, name));
        var from = SnapshotFolder(size);
        foreach (var name in DatabaseFiles.Where(n => File.Exists(Path.Combine(from, n))))
            File.Copy(Path.Combine(from, name), Path.Combine(workDirectory, name));
        _log.WriteLine($"loaded the cached {size:N0}-memory database in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
    }

    /// <summary>Snapshots the database in <paramref name="workDirectory"/> (server stopped) as <paramref name="seeded"/>'s size.</summary>
    public void Save(SeededSize seeded, string workDirectory)
    {
        var started = DateTime.UtcNow;
        var to = SnapshotFolder(seeded.Size);
        var partial = to + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        foreach (var name in DatabaseFiles.Where(n => File.Exists(Path.Combine(workDirectory, n))))
            File.Copy(Path.Combine(workDirectory, name), Path.Combine(partial, name));
        if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
        Directory.Move(partial, to);
        _manifest.Sizes.RemoveAll(s => s.Size == seeded.Size);
        _manifest.Sizes.Add(seeded);
        _manifest.Sizes.Sort((x, y) => x.Size.CompareTo(y.Size));
        var manifestPath = Path.Combine(Folder, ManifestFile);
        File.WriteAllText(manifestPath + ".tmp", JsonSerializer.Serialize(_manifest, JsonOptions));
        File.Move(manifestPath + ".tmp", manifestPath, overwrite: true);
        _log.WriteLine($"cached the {seeded.Size:N0}-memory database in {to} ({(DateTime.UtcNow - started).TotalSeconds:F1} s)");
    }

    /// <summary>
    /// A short hash of what makes a server's database differ — its schema as migrated into
    /// <paramref name="databasePath"/>, its appsettings.json, the extra environment — and its
    /// schema version, for the cache key. Reads the database read-only; the server may be running.
    /// </summary>
    public static (string Hash, long SchemaVersion) ServerFingerprint(string databasePath, string appSettingsPath, IReadOnlyDictionary<string, string> serverEnvironment)
    {
        SQLitePCL.Batteries_V2.Init();
        var text = new StringBuilder();
        long version;
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        {
            connection.Open();
            using (var schema = connection.CreateCommand())
            {
                schema.CommandText = "SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name";
                using var reader = schema.ExecuteReader();
                while (reader.Read()) text.Append(reader.GetString(0)).Append(' ').Append(reader.GetString(1)).Append(": ").AppendLine(reader.GetString(2));
            }
            using var versions = connection.CreateCommand();
            versions.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
            version = Convert.ToInt64(versions.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        text.AppendLine(File.Exists(appSettingsPath) ? File.ReadAllText(appSettingsPath) : "(no appsettings.json)");
        foreach (var (name, value) in serverEnvironment.OrderBy(kv => kv.Key, StringComparer.Ordinal)) text.Append(name).Append('=').AppendLine(value);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12].ToLowerInvariant();
        return (hash, version);
    }

    private string SnapshotFolder(int size) => Path.Combine(Folder, size.ToString(CultureInfo.InvariantCulture));

    private sealed record Manifest(string Key, long AnchorUnixSeconds, List<SeededSize> Sizes);
}

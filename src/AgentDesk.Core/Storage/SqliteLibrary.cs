using System.Reflection;
using System.Runtime.InteropServices;

namespace AgentDesk.Core.Storage;

/// <summary>
/// Chooses the native SQLite that Microsoft.Data.Sqlite runs on, before the first connection.
/// <para>
/// The bundled one (SQLitePCLRaw 2.0.6's e_sqlite3, SQLite 3.35.5; newer bundles are not in this machine's feed) is
/// built without <c>usleep</c>. SQLite then rounds every sleep up to whole seconds: when a reader's start races a
/// commit, its microsecond back-off (<c>walTryBeginRead</c>) became <c>sleep(1)</c>. Every mixed-load run had a
/// handful of requests of ~1.0 s; <c>strace</c> showed one-second <c>clock_nanosleep</c> calls under
/// <c>walTryBeginRead</c>, and with the system library the slowest request of a run was 68 ms.
/// </para>
/// <para>
/// So the system's <c>libsqlite3.so.0</c> (Debian 12: 3.40.1, with FTS5; <c>scripts/setup.sh</c> installs it) is
/// used when it is present, at least 3.35 (RETURNING) and built with FTS5; otherwise the bundled one.
/// <c>AGENTDESK_SQLITE_LIBRARY=bundled</c> forces the bundled one.
/// </para>
/// </summary>
public static class SqliteLibrary
{
    public const int MinimumVersion = 3_035_000;
    private const string SystemLibrary = "libsqlite3.so.0";

    private static readonly Lazy<IntPtr> System = new(LoadSystem);

    /// <summary>Which library is in use, for the start-up log (after the first connection).</summary>
    public static string Description => System.IsValueCreated && System.Value != IntPtr.Zero
        ? $"the system's {SystemLibrary}"
        : "the bundled e_sqlite3";

    /// <summary>
    /// Routes SQLitePCLRaw's imports of <c>e_sqlite3</c> to the system library when it qualifies; call once, before any
    /// connection. If a connection was opened before (Microsoft.Data.Sqlite then initialised SQLitePCLRaw on the bundled
    /// library), it leaves things as they are: the imports bound so far go to the bundled library, and routing the rest
    /// to another one would mix two SQLites in one connection (a test that opened its own connection first crashed the
    /// test host in <c>sqlite3_bind_double</c> that way).
    /// </summary>
    public static void Choose()
    {
        if (Initialised()) return;
        NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, Resolve);
    }

    /// <summary>Whether SQLitePCLRaw has its provider already (its calls throw until one is set).</summary>
    private static bool Initialised()
    {
        try
        {
            SQLitePCL.raw.sqlite3_libversion_number();
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == "e_sqlite3" ? System.Value : IntPtr.Zero; // zero: the runtime loads the bundled library as usual

    private static IntPtr LoadSystem()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("AGENTDESK_SQLITE_LIBRARY"), "bundled", StringComparison.OrdinalIgnoreCase)
            || !OperatingSystem.IsLinux() || !NativeLibrary.TryLoad(SystemLibrary, out var handle)) return IntPtr.Zero;
        if (Qualifies(handle)) return handle;
        NativeLibrary.Free(handle);
        return IntPtr.Zero;
    }

    private delegate int LibVersionNumber();
    private delegate int CompileOptionUsed([MarshalAs(UnmanagedType.LPUTF8Str)] string option);

    private static bool Qualifies(IntPtr handle) =>
        NativeLibrary.TryGetExport(handle, "sqlite3_libversion_number", out var version)
        && NativeLibrary.TryGetExport(handle, "sqlite3_compileoption_used", out var option)
        && Marshal.GetDelegateForFunctionPointer<LibVersionNumber>(version)() >= MinimumVersion
        && Marshal.GetDelegateForFunctionPointer<CompileOptionUsed>(option)("ENABLE_FTS5") == 1;
}

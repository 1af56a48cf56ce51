namespace AgentDesk.Core.Recall.Temporal;

/// <summary>What a time phrase in a recall query asks for.</summary>
public enum TemporalKind
{
    /// <summary>Memories created within [From, Until).</summary>
    Window,

    /// <summary>The agent's most recent ended session ("our last call"); the caller resolves which one.</summary>
    LastSession,
}

/// <summary>
/// A time phrase found in a recall query and what it means relative to the server clock.
/// <paramref name="From"/> is inclusive and <paramref name="Until"/> exclusive, both UTC instants; a null bound
/// is open (<c>Until</c> is null for "since Monday", "in the last 3 days", "recently": up to now). Both are
/// null for <see cref="TemporalKind.LastSession"/>. <paramref name="Start"/> and <paramref name="Length"/>
/// locate <paramref name="Phrase"/> in the query, so <see cref="TemporalPhrases.WithoutPhrase"/> can cut it out.
/// </summary>
public sealed record TemporalIntent(TemporalKind Kind, DateTimeOffset? From, DateTimeOffset? Until, string Phrase, int Start, int Length);

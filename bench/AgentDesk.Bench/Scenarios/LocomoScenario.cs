using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentDesk.Bench.Infrastructure;
using AgentDesk.Core.Recall;

namespace AgentDesk.Bench.Scenarios;

/// <summary>
/// Retrieval quality on the development half of LoCoMo (five long two-person conversations), measured
/// the way /work/shared/data/locomo/README.md defines it, through the real HTTP API: every turn of a
/// conversation is stored as one memory (one agent per conversation, <c>created_at</c> from the
/// session's date, <c>dia_id</c> in metadata), every non-adversarial question is asked as a recall
/// query, and a question is a hit at k when any of its evidence turns is among the first k results.
/// The data is CC BY-NC: it is read at run time from the shared folder and nothing of it is written
/// into the repository (the report holds only counts and percentages).
/// </summary>
public sealed partial class LocomoScenario : IScenario
{
    private const string AgentPrefix = "locomo-";
    private const int AdversarialCategory = 5;

    /// <summary>
    /// The data file numbers the categories differently from the order the LoCoMo paper lists them in.
    /// Read off the data: category 1 questions cite turns from two or more sessions (multi-hop),
    /// category 2 mostly ask "When …" (temporal), category 3 ask what a speaker would likely do or
    /// think (open-domain / commonsense), category 4 cite one turn (single-hop). The report's
    /// "Questions" table prints the statistics behind this reading on every run.
    /// </summary>
    private static readonly IReadOnlyDictionary<int, string> CategoryNames = new Dictionary<int, string>
    {
        [1] = "multi-hop",
        [2] = "temporal",
        [3] = "open-domain",
        [4] = "single-hop",
    };

    /// <summary>The README's reference figures (full ten conversations, same metric), k → recall %.</summary>
    private static readonly (string Name, IReadOnlyDictionary<int, double> RecallAt)[] References =
    [
        ("LoCoMo paper, dense retriever", new Dictionary<int, double> { [5] = 56.7, [10] = 66.2, [25] = 76.7, [50] = 82.7 }),
        ("SQLite FTS5 BM25 baseline", new Dictionary<int, double> { [5] = 56.9, [10] = 65.1, [25] = 72.8, [50] = 78.1 }),
    ];

    /// <summary>The hybrid semantic recall issue's goal on this dev half.</summary>
    private const double TargetRecallAt10 = 72.0;

    public string Name => "locomo";
    public string Description => "LoCoMo retrieval, dev half (5 conversations): every turn stored over HTTP, every non-adversarial question recalled; recall@k overall and per category";

    public IReadOnlyList<(string Option, string Help)> Options =>
    [
        ("--data PATH", "the LoCoMo JSON (<repo>/../shared/data/locomo/locomo-dev.json); read at run time, never copied"),
        ("--routing LIST", "comma list of recall routings, one table each (bm25); a routing the server refuses (400) is reported as not available"),
        ("--k LIST", "cut-offs reported, comma list; top_k of every recall is the largest (5,10,25; at most 100)"),
        ("--warmup N", "untimed recalls per routing before the timed pass (all questions once: a shorter warm-up leaves the first routing measured ~1.6× slower)"),
        ("--dump FILE", "per-question results as JSON lines, for failure analysis; must be outside the repository (the data is CC BY-NC)"),
    ];

    public async Task<Report> RunAsync(BenchContext context, CancellationToken ct)
    {
        var a = context.Args;
        var dataPath = Path.GetFullPath(a.String("data") ?? Path.Combine(context.RepoRoot, "..", "shared", "data", "locomo", "locomo-dev.json"));
        var routings = (a.String("routing") ?? "bm25").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r.ToLowerInvariant()).Distinct().ToList();
        if (routings.Count == 0) throw new ArgumentException("--routing needs at least one routing, e.g. bm25 or bm25,hybrid,vector");
        var ks = ParseKs(a.String("k") ?? "5,10,25");
        var topK = ks[^1];
        var warmupOption = a.Int("warmup", -1, min: 0);
        var dumpPath = a.String("dump") is { } dump ? Path.GetFullPath(dump) : null;
        if (dumpPath is not null && IsInside(dumpPath, context.RepoRoot))
            throw new ArgumentException($"--dump {dumpPath} is inside the repository; the LoCoMo data is CC BY-NC and must not be copied into it: write it under /tmp");
        if (!File.Exists(dataPath))
            throw new ArgumentException($"LoCoMo data not found at {dataPath}; pass --data PATH (the dev half lives in <repo>/../shared/data/locomo/locomo-dev.json, see the README there)");

        var log = context.Log;
        var data = LoadData(dataPath);
        var notes = new List<string>();
        var questions = PrepareQuestions(data, notes);
        var warmup = warmupOption < 0 ? questions.Count : warmupOption;
        log.WriteLine($"LoCoMo: {data.Count} conversations, {data.Sum(c => c.Turns.Count):N0} turns, {questions.Count:N0} questions (category ≠ {AdversarialCategory}) from {dataPath}");

        var report = new Report(Name, context.CommandLine, MachineInfo.Collect(context.ServerRoot)) { SectionTitle = "LoCoMo retrieval (dev half)" };
        await using var server = await context.StartServerAsync(ct);
        using var api = new ApiClient(server.BaseAddress, server.ApiKey, maxConnections: 4);

        // --- one session per LoCoMo session (a bot would start one per conversation), then every turn ---
        foreach (var c in data)
            foreach (var session in c.Turns.Select(t => t.Session).Distinct())
                await api.PostAsync("/v1/sessions/start", ApiClient.Json(new { agent_id = c.AgentId, id = SessionId(c, session) }), ct);
        var batches = data.SelectMany(c => c.Turns.Chunk(1000).Select(chunk => (Count: chunk.Length, Body: ApiClient.Json(new
        {
            agent_id = c.AgentId,
            memories = chunk.Select(t => new
            {
                id = t.MemoryId,
                content = t.Content,
                created_at = t.CreatedAt.ToUnixTimeSeconds(),
                session_id = SessionId(c, t.Session),
                metadata = new { dia_id = t.DiaId, session = t.Session },
            }),
        })))).ToList();
        log.WriteLine($"storing {data.Sum(c => c.Turns.Count):N0} turns in {batches.Count} batch requests…");
        var responses = new byte[batches.Count][];
        var storeStats = await LoadRunner.SequentialAsync("batch store (one request per conversation)", batches.Count,
            async (i, token) => responses[i] = await api.PostAsync("/v1/memories/store/batch", batches[i].Body, token),
            ct, items: batches.Sum(b => b.Count), unit: "memories/s", serverPid: server.ProcessId);
        report.Results.Add(storeStats);
        for (var i = 0; i < batches.Count; i++)
        {
            using var doc = JsonDocument.Parse(responses[i]);
            var stored = doc.RootElement.GetProperty("stored_count").GetInt32();
            if (stored != batches[i].Count) throw new InvalidDataException($"batch store answered stored_count {stored}, expected {batches[i].Count}");
        }

        // --- ask every question, once per routing ---
        var bodies = questions.Select(q => (Func<string, byte[]>)(routing =>
            ApiClient.Json(new { agent_id = q.Conversation.AgentId, query = q.Text, top_k = topK, routing }))).ToArray();
        var results = new List<RoutingResult>();
        foreach (var routing in routings)
        {
            var routed = bodies.Select(b => b(routing)).ToArray();
            try
            {
                await api.PostAsync("/v1/memory/recall", routed[0], ct); // the probe: does this server accept the routing at all?
            }
            catch (HttpRequestException e) when (ApiClient.IsRefusal(e))
            {
                var reason = ApiClient.ServerError(e);
                log.WriteLine($"routing '{routing}': not available on this server ({reason})");
                results.Add(new RoutingResult(routing, reason, null, [], questions));
                continue;
            }
            for (var i = 0; i < warmup; i++) await api.PostAsync("/v1/memory/recall", routed[i % routed.Length], ct);
            if (await context.WaitForQuietMachineAsync(server.ProcessId, ct) is { } warning && !notes.Contains(warning)) notes.Add(warning);
            log.WriteLine($"routing '{routing}': {routed.Length:N0} recalls, top_k {topK}…");
            var answers = new byte[routed.Length][];
            var stats = await LoadRunner.SequentialAsync($"recall ({routing}, top_k {topK}), LoCoMo questions", routed.Length,
                async (i, token) => answers[i] = await api.PostAsync("/v1/memory/recall", routed[i], token), ct, serverPid: server.ProcessId);
            report.Results.Add(stats);
            results.Add(new RoutingResult(routing, null, stats, answers.Select(RankedIds).ToArray(), questions));
        }

        // --- report ---
        var turns = data.Sum(c => c.Turns.Count);
        report.Setup.Add(("Data", $"{dataPath}: {data.Count} conversations ({string.Join(", ", data.Select(c => c.SampleId))}), " +
            $"{data.Sum(c => c.SessionCount)} sessions, {turns:N0} turns; {questions.Count:N0} questions of categories 1–4 asked (category {AdversarialCategory}, adversarial, excluded)"));
        report.Setup.Add(("Memories", $"one agent per conversation ({AgentPrefix}0 … {AgentPrefix}{data.Count - 1}); one memory per turn, content \"<speaker>: <text>\" " +
            "plus \" [shared image: <blip_caption>]\" when the turn has one; created_at = the session's date and time + 1 s per turn; " +
            "metadata {dia_id, session}; client id lc<conversation>-<dia_id>; default importance 0.5, no tags; no embeddings sent (the server embeds at store time when it has a model)"));
        report.Setup.Add(("Queries", $"the question text as is, top_k {topK}, routing {string.Join(", ", routings)}; {warmup} untimed recalls per routing first; one client, sequential"));
        report.Setup.Add(("Metric", $"hit at k when any evidence turn is among the first k results; recall@k = hits / questions; evidence ids normalised (split at ';', trimmed), ids missing from the conversation ignored"));
        report.Setup.Add(("Server", "AgentDesk.Web Release apphost, ASPNETCORE_ENVIRONMENT=Production, fresh SQLite database, log level Warning" +
            (context.ServerEnvironment.Count > 0 ? $"; extra environment: {string.Join(", ", context.ServerEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}" : "") +
            (context.ServerRoot != context.RepoRoot ? $"; built from {context.ServerRoot}" : "")));

        report.Tables.Add(QuestionsTable(questions));
        for (var r = 0; r < results.Count; r++)
        {
            var result = results[r];
            if (result.Unavailable is not null)
            {
                notes.Add($"routing '{result.Routing}' is not available on this server: {result.Unavailable}");
                var unavailable = new ReportTable($"Recall@k — routing `{result.Routing}`", ["Category", "Questions", .. ks.Select(k => $"R@{k} %")],
                    [["not available on this server", "", .. ks.Select(_ => "")]]);
                report.Tables.Add(unavailable with { Caption = $"The server refused it: {result.Unavailable}" });
                continue;
            }
            report.Tables.Add(RecallTable(result, questions, ks));
            var sameAs = results.Take(r).FirstOrDefault(earlier => earlier.Unavailable is null && SameRankings(earlier, result));
            if (sameAs is not null)
            {
                notes.Add($"routing '{result.Routing}' returned exactly the same ranked lists as '{sameAs.Routing}' for every question.");
                continue;
            }
            report.Tables.Add(MissTable(result, questions, ks, topK));
        }
        report.Tables.Add(ReferenceTable(results, questions, ks));

        foreach (var result in results.Where(r => r.Unavailable is null))
        {
            var r10 = Percent(questions.Count, i => result.Hit(i, 10));
            if (ks.Contains(10))
                report.Targets.Add(new TargetCheck($"recall@10, routing {result.Routing} (goal of the hybrid semantic recall issue)", $"≥ {TargetRecallAt10:F0} %",
                    $"{r10:F1} %", r10 >= TargetRecallAt10));
        }
        report.Notes.AddRange(notes);

        if (dumpPath is not null)
        {
            WriteDump(dumpPath, results, questions);
            log.WriteLine($"per-question results written to {dumpPath}");
        }
        return report;
    }

    // ----- data -----

    private sealed record Turn(string DiaId, int Session, string MemoryId, string Content, string Speaker, DateTimeOffset CreatedAt);

    private static string SessionId(Conversation conversation, int session) => $"lc{conversation.Index}-s{session}";

    private sealed record RawQuestion(int Category, string Text, IReadOnlyList<string> Evidence);

    private sealed record Conversation(int Index, string SampleId, int SessionCount, IReadOnlyList<string> Speakers,
        IReadOnlyList<Turn> Turns, IReadOnlyList<RawQuestion> Questions, IReadOnlyList<string> DateProblems)
    {
        public string AgentId => AgentPrefix + Index.ToString(CultureInfo.InvariantCulture);

        /// <summary>dia_id → memory ids (one, unless the data repeats a dia_id).</summary>
        public ILookup<string, string> MemoryIdsByDiaId { get; } = Turns.ToLookup(t => t.DiaId, t => t.MemoryId, StringComparer.Ordinal);
    }

    private sealed record Question(Conversation Conversation, int Category, string Text, IReadOnlyList<string> EvidenceDiaIds, IReadOnlySet<string> EvidenceMemoryIds)
    {
        /// <summary>The turns right before and after each evidence turn in its session (not evidence themselves).</summary>
        public IReadOnlySet<string> NeighbourMemoryIds { get; } = Neighbours(Conversation, EvidenceMemoryIds);

        /// <summary>The question names a calendar date or year ("in May", "7 May", "2023"), which only created_at holds.</summary>
        public bool NamesDate { get; } = DatePattern().IsMatch(Text);

        private static HashSet<string> Neighbours(Conversation conversation, IReadOnlySet<string> evidence)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            var turns = conversation.Turns;
            for (var i = 0; i < turns.Count; i++)
            {
                if (!evidence.Contains(turns[i].MemoryId)) continue;
                if (i > 0 && turns[i - 1].Session == turns[i].Session) set.Add(turns[i - 1].MemoryId);
                if (i + 1 < turns.Count && turns[i + 1].Session == turns[i].Session) set.Add(turns[i + 1].MemoryId);
            }
            set.ExceptWith(evidence);
            return set;
        }
    }

    private const string Months = "January|February|March|April|May|June|July|August|September|October|November|December";

    // Case-sensitive on purpose: "May" the month, not "may" the verb.
    [GeneratedRegex(@"\b(?:19|20)\d{2}\b|\b(?:" + Months + @")\s+\d{1,2}\b|\b\d{1,2}\s+(?:" + Months + @")\b|\b(?:in|of|during|early|late|mid)\s+(?:" + Months + @")\b")]
    private static partial Regex DatePattern();

    private sealed record RoutingResult(string Routing, string? Unavailable, LatencyStats? Stats, IReadOnlyList<string>[] Ranked, IReadOnlyList<Question> Questions)
    {
        /// <summary>1-based rank of the first evidence memory in the results, or null when none was returned.</summary>
        public int? FirstRank(int question, IReadOnlySet<string> evidence)
        {
            var ranked = Ranked[question];
            for (var r = 0; r < ranked.Count; r++)
                if (evidence.Contains(ranked[r])) return r + 1;
            return null;
        }

        public bool Hit(int question, int k) => FirstRank(question, Questions[question].EvidenceMemoryIds) is { } rank && rank <= k;
    }

    [GeneratedRegex(@"^session_(\d+)$")]
    private static partial Regex SessionKey();

    private static List<Conversation> LoadData(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: expected a JSON list of samples");
        var conversations = new List<Conversation>();
        var index = 0;
        foreach (var sample in doc.RootElement.EnumerateArray())
        {
            var conv = sample.GetProperty("conversation");
            var sampleId = sample.TryGetProperty("sample_id", out var sid) && sid.ValueKind == JsonValueKind.String ? sid.GetString()! : $"sample-{index}";
            var speakers = new[] { "speaker_a", "speaker_b" }
                .Select(k => conv.TryGetProperty(k, out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : null)
                .OfType<string>().ToList();
            var sessions = conv.EnumerateObject()
                .Select(p => (Match: SessionKey().Match(p.Name), p.Value))
                .Where(s => s.Match.Success && s.Value.ValueKind == JsonValueKind.Array)
                .Select(s => (Number: int.Parse(s.Match.Groups[1].Value, CultureInfo.InvariantCulture), Turns: s.Value))
                .OrderBy(s => s.Number)
                .ToList();
            var turns = new List<Turn>();
            var dateProblems = new List<string>();
            var seenIds = new HashSet<string>(StringComparer.Ordinal);
            DateTimeOffset? previousStart = null;
            foreach (var (number, sessionTurns) in sessions)
            {
                var dateKey = $"session_{number}_date_time";
                var dateText = conv.TryGetProperty(dateKey, out var dt) && dt.ValueKind == JsonValueKind.String ? dt.GetString() : null;
                var start = dateText is null ? null : ParseSessionDate(dateText);
                if (start is null)
                {
                    // Keep the order: a day after the previous session (or a fixed day for the first).
                    start = (previousStart ?? new DateTimeOffset(2023, 1, 1, 12, 0, 0, TimeSpan.Zero)).AddDays(1);
                    dateProblems.Add(dateText is null ? $"{dateKey} missing" : $"{dateKey} unparsable");
                }
                previousStart = start;
                var offset = 0;
                foreach (var turn in sessionTurns.EnumerateArray())
                {
                    var diaId = Str(turn, "dia_id")?.Trim();
                    if (string.IsNullOrEmpty(diaId)) continue;
                    var speaker = Str(turn, "speaker") ?? "unknown";
                    var text = Str(turn, "text") ?? "";
                    var content = $"{speaker}: {text}".TrimEnd();
                    if (Str(turn, "blip_caption") is { Length: > 0 } caption) content += $" [shared image: {caption.Trim()}]";
                    var memoryId = $"lc{index}-{SanitiseId(diaId)}";
                    for (var n = 2; !seenIds.Add(memoryId); n++) memoryId = $"lc{index}-{SanitiseId(diaId)}-dup{n}";
                    turns.Add(new Turn(diaId, number, memoryId, content, speaker, start.Value.AddSeconds(offset++)));
                }
            }
            var questions = new List<RawQuestion>();
            if (sample.TryGetProperty("qa", out var qa) && qa.ValueKind == JsonValueKind.Array)
                foreach (var q in qa.EnumerateArray())
                {
                    var category = q.TryGetProperty("category", out var c) ? c.ValueKind switch
                    {
                        JsonValueKind.Number => c.GetInt32(),
                        JsonValueKind.String when int.TryParse(c.GetString(), CultureInfo.InvariantCulture, out var parsed) => parsed,
                        _ => 0,
                    } : 0;
                    var evidence = q.TryGetProperty("evidence", out var ev) && ev.ValueKind == JsonValueKind.Array
                        ? ev.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
                        : [];
                    questions.Add(new RawQuestion(category, Str(q, "question") ?? "", evidence));
                }
            conversations.Add(new Conversation(index, sampleId, sessions.Count, speakers, turns, questions, dateProblems));
            index++;
        }
        if (conversations.Count == 0) throw new InvalidDataException($"{path}: no samples");
        return conversations;

        static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>Normalises evidence, drops the adversarial category, and notes what it had to fix or leave out.</summary>
    private static List<Question> PrepareQuestions(List<Conversation> data, List<string> notes)
    {
        var questions = new List<Question>();
        var split = 0;
        var trimmed = 0;
        var unknown = new List<string>();
        var noEvidence = new Dictionary<int, int>();
        var noValidEvidence = new Dictionary<int, int>();
        foreach (var conv in data)
        {
            foreach (var q in conv.Questions)
            {
                if (q.Category == AdversarialCategory || string.IsNullOrWhiteSpace(q.Text)) continue;
                var diaIds = new List<string>();
                foreach (var raw in q.Evidence)
                {
                    var parts = raw.Split(';', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length > 1) split++;
                    foreach (var part in parts)
                    {
                        var id = Regex.Replace(part, @"\s+", "");
                        if (id.Length == 0) continue;
                        if (id != part) trimmed++;
                        if (conv.MemoryIdsByDiaId.Contains(id)) diaIds.Add(id);
                        else unknown.Add($"'{id}' ({conv.SampleId})");
                    }
                }
                diaIds = diaIds.Distinct(StringComparer.Ordinal).ToList();
                if (diaIds.Count == 0)
                {
                    var bucket = q.Evidence.Count == 0 ? noEvidence : noValidEvidence;
                    bucket[q.Category] = bucket.GetValueOrDefault(q.Category) + 1;
                    continue;
                }
                var memoryIds = diaIds.SelectMany(d => conv.MemoryIdsByDiaId[d]).ToHashSet(StringComparer.Ordinal);
                questions.Add(new Question(conv, q.Category, q.Text, diaIds, memoryIds));
            }
            if (conv.DateProblems.Count > 0)
                notes.Add($"{conv.SampleId}: {string.Join(", ", conv.DateProblems)}; those sessions were dated a day after the previous one.");
        }
        if (split > 0 || trimmed > 0)
            notes.Add($"evidence normalised: {split} evidence string(s) held several ids (split at ';'), {trimmed} id(s) had stray whitespace.");
        if (unknown.Count > 0)
            notes.Add($"ignored {unknown.Count} evidence id(s) that name no turn of their conversation: {string.Join(", ", unknown)}.");
        static string ByCategory(Dictionary<int, int> d) => string.Join(", ", d.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} in category {kv.Key}"));
        if (noEvidence.Count > 0)
            notes.Add($"left out {noEvidence.Values.Sum()} question(s) with no evidence listed ({ByCategory(noEvidence)}): they cannot be scored.");
        if (noValidEvidence.Count > 0)
            notes.Add($"left out {noValidEvidence.Values.Sum()} question(s) whose only evidence ids name no turn ({ByCategory(noValidEvidence)}).");
        var unknownCategories = questions.Where(q => !CategoryNames.ContainsKey(q.Category)).Select(q => q.Category).Distinct().ToList();
        if (unknownCategories.Count > 0)
            notes.Add($"questions of unexpected categories {string.Join(", ", unknownCategories)} are counted in 'all' under their number.");
        return questions;
    }

    /// <summary>"1:56 pm on 8 May, 2023" (the LoCoMo form), tolerant of case, spacing, a missing comma and abbreviated months; else any invariant date. Read as UTC.</summary>
    internal static DateTimeOffset? ParseSessionDate(string text)
    {
        var t = Regex.Replace(text.Trim(), @"\s+", " ");
        var m = Regex.Match(t, @"^(\d{1,2}):(\d{2})\s*([ap])\.?\s*m\.?\s+on\s+(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$", RegexOptions.IgnoreCase);
        if (m.Success)
        {
            var hour = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var minute = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            var pm = m.Groups[3].Value.Equals("p", StringComparison.OrdinalIgnoreCase);
            var day = int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
            var year = int.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture);
            var month = MonthNumber(m.Groups[5].Value);
            if (month is not null && hour is >= 1 and <= 12 && minute < 60 && day >= 1 && day <= DateTime.DaysInMonth(year, month.Value))
                return new DateTimeOffset(year, month.Value, day, hour % 12 + (pm ? 12 : 0), minute, 0, TimeSpan.Zero);
        }
        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed.ToUniversalTime() : null;
    }

    private static int? MonthNumber(string name)
    {
        if (name.Length < 3) return null;
        var names = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames;
        for (var i = 0; i < 12; i++)
            if (names[i].StartsWith(name, StringComparison.OrdinalIgnoreCase)) return i + 1; // "May", "Sep", "Sept", "September"
        return null;
    }

    private static string SanitiseId(string diaId) => Regex.Replace(diaId, "[^A-Za-z0-9_.:-]", "_");

    private static List<int> ParseKs(string text)
    {
        var ks = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) || k is < 1 or > 100)
                throw new ArgumentException($"--k wants whole numbers from 1 to 100 (the server's top_k limit), not '{part}'");
            ks.Add(k);
        }
        if (ks.Count == 0) throw new ArgumentException("--k needs at least one cut-off, e.g. 5,10,25");
        return [.. ks];
    }

    private static bool IsInside(string path, string root)
    {
        var full = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return path.StartsWith(full, StringComparison.Ordinal);
    }

    // ----- results -----

    private static IReadOnlyList<string> RankedIds(byte[] response)
    {
        using var doc = JsonDocument.Parse(response);
        return doc.RootElement.GetProperty("memories").EnumerateArray()
            .Select(item => item.GetProperty("memory").GetProperty("id").GetString()!)
            .ToList();
    }

    private static bool SameRankings(RoutingResult a, RoutingResult b) =>
        a.Ranked.Length == b.Ranked.Length && a.Ranked.Zip(b.Ranked).All(p => p.First.SequenceEqual(p.Second, StringComparer.Ordinal));

    private static double Percent(int total, Func<int, bool> hit)
    {
        if (total == 0) return 0;
        var hits = 0;
        for (var i = 0; i < total; i++)
            if (hit(i)) hits++;
        return 100.0 * hits / total;
    }

    private static string Pct(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    private static string CategoryLabel(int category) =>
        CategoryNames.TryGetValue(category, out var name) ? $"{category} {name}" : category.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<IGrouping<int, int>> ByCategory(IReadOnlyList<Question> questions) =>
        Enumerable.Range(0, questions.Count).GroupBy(i => questions[i].Category).OrderBy(g => g.Key);

    private static ReportTable RecallTable(RoutingResult result, IReadOnlyList<Question> questions, IReadOnlyList<int> ks)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var group in ByCategory(questions))
        {
            var idx = group.ToList();
            rows.Add([CategoryLabel(group.Key), idx.Count.ToString("N0", CultureInfo.InvariantCulture),
                .. ks.Select(k => Pct(Percent(idx.Count, j => result.Hit(idx[j], k))))]);
        }
        rows.Add(["**all (1–4)**", $"**{questions.Count:N0}**", .. ks.Select(k => $"**{Pct(Percent(questions.Count, i => result.Hit(i, k)))}**")]);
        var stats = result.Stats!;
        return new ReportTable($"Recall@k — routing `{result.Routing}`", ["Category", "Questions", .. ks.Select(k => $"R@{k} %")], rows)
        {
            Caption = $"Recall latency over these {stats.Count:N0} queries (one client, top_k {ks[^1]}): p50 {Report.Ms(stats.P50)} ms, p95 {Report.Ms(stats.P95)} ms, p99 {Report.Ms(stats.P99)} ms.",
        };
    }

    private static ReportTable QuestionsTable(IReadOnlyList<Question> questions)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var group in ByCategory(questions))
        {
            var qs = group.Select(i => questions[i]).ToList();
            rows.Add([
                CategoryLabel(group.Key),
                qs.Count.ToString("N0", CultureInfo.InvariantCulture),
                qs.Average(q => q.EvidenceDiaIds.Count).ToString("F2", CultureInfo.InvariantCulture),
                Pct(100.0 * qs.Count(q => q.EvidenceDiaIds.Select(d => q.Conversation.Turns.First(t => t.DiaId == d).Session).Distinct().Count() > 1) / qs.Count),
                Pct(100.0 * qs.Count(q => q.Text.TrimStart().StartsWith("when", StringComparison.OrdinalIgnoreCase)) / qs.Count),
                Pct(100.0 * qs.Count(q => ContentTerms(q.Text, q.Conversation.Speakers).Count <= 2) / qs.Count),
                Pct(100.0 * qs.Count(q => q.NamesDate) / qs.Count),
            ]);
        }
        return new ReportTable("Questions (categories named from these statistics: see LocomoScenario.CategoryNames)",
            ["Category", "Questions", "Evidence turns / question", "Evidence in ≥ 2 sessions %", "Starts with \"When\" %", "≤ 2 content words %", "Names a date %"], rows)
        {
            Caption = "Content words: lower-cased words minus stop words and the two speakers' names, crudely stemmed (the analysis's own tokeniser, close to but not the server's porter stemmer).",
        };
    }

    private static ReportTable MissTable(RoutingResult result, IReadOnlyList<Question> questions, IReadOnlyList<int> ks, int topK)
    {
        var cut = ks.Contains(10) ? 10 : ks[0];
        var rows = new List<IReadOnlyList<string>>();
        foreach (var group in ByCategory(questions).Cast<IGrouping<int, int>?>().Append(null))
        {
            var idx = group?.ToList() ?? Enumerable.Range(0, questions.Count).ToList();
            var missed = idx.Where(i => !result.Hit(i, cut)).ToList();
            var later = missed.Count(i => result.FirstRank(i, questions[i].EvidenceMemoryIds) is not null);
            var absent = missed.Count - later;
            var noOverlapMissed = missed.Count(i => SharedTerms(questions[i]) == 0);
            var hitIdx = idx.Where(i => result.Hit(i, cut)).ToList();
            var noOverlapHit = hitIdx.Count(i => SharedTerms(questions[i]) == 0);
            var neighbour = missed.Count(i => result.Ranked[i].Take(cut).Any(questions[i].NeighbourMemoryIds.Contains));
            var dated = idx.Where(i => questions[i].NamesDate).ToList();
            var datedMissed = dated.Count(i => !result.Hit(i, cut));
            rows.Add([
                group is null ? "**all (1–4)**" : CategoryLabel(group.Key),
                missed.Count.ToString("N0", CultureInfo.InvariantCulture) + $" ({Pct(100.0 * missed.Count / Math.Max(1, idx.Count))} %)",
                later.ToString("N0", CultureInfo.InvariantCulture),
                absent.ToString("N0", CultureInfo.InvariantCulture),
                missed.Count == 0 ? "–" : Pct(100.0 * noOverlapMissed / missed.Count),
                hitIdx.Count == 0 ? "–" : Pct(100.0 * noOverlapHit / hitIdx.Count),
                missed.Count == 0 ? "–" : Pct(100.0 * neighbour / missed.Count),
                dated.Count == 0 ? "–" : $"{datedMissed}/{dated.Count}",
            ]);
        }
        return new ReportTable($"Misses at k = {cut} — routing `{result.Routing}`",
            ["Category", $"Missed @{cut}", $"found at {cut + 1}–{topK}", $"not in top {topK}", "missed: no content word shared with evidence %", "hit: no content word shared %", $"missed: a neighbour turn (±1) of the evidence in top {cut} %", "missed / questions naming a date"], rows)
        {
            Caption = "\"No content word shared\": the question and its evidence turns (text and image caption) have no content word in common once stop words and the speakers' names are removed. " +
                "\"Neighbour turn\": the turn right before or after an evidence turn in the same session (typically the question it answers, or the reply to it). " +
                "\"Naming a date\": a year, or a month with a day or after in/of/during (\"in May\"); the date is only in created_at, never in the text.",
        };
    }

    private static ReportTable ReferenceTable(IReadOnlyList<RoutingResult> results, IReadOnlyList<Question> questions, IReadOnlyList<int> ks)
    {
        var refKs = ks.Where(k => References.All(r => r.RecallAt.ContainsKey(k))).ToList();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (name, recallAt) in References)
            rows.Add([name, "full, 10 conversations", .. refKs.Select(k => Pct(recallAt[k]))]);
        foreach (var result in results.Where(r => r.Unavailable is null))
            rows.Add([$"**AgentDesk, routing `{result.Routing}`**", $"dev half, {questions.Select(q => q.Conversation.SampleId).Distinct().Count()} conversations",
                .. refKs.Select(k => $"**{Pct(Percent(questions.Count, i => result.Hit(i, k)))}**")]);
        return new ReportTable("Against the README's reference figures (same metric, categories 1–4)", ["Retriever", "LoCoMo part", .. refKs.Select(k => $"R@{k} %")], rows)
        {
            Caption = "The references cover all ten conversations; this run covers the dev half (5), so the comparison is indicative, not like for like.",
        };
    }

    private static void WriteDump(string path, IReadOnlyList<RoutingResult> results, IReadOnlyList<Question> questions)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        foreach (var result in results.Where(r => r.Unavailable is null))
            for (var i = 0; i < questions.Count; i++)
            {
                var q = questions[i];
                var diaByMemory = q.Conversation.Turns.ToDictionary(t => t.MemoryId, t => t.DiaId, StringComparer.Ordinal);
                writer.WriteLine(JsonSerializer.Serialize(new
                {
                    routing = result.Routing,
                    sample_id = q.Conversation.SampleId,
                    category = q.Category,
                    question = q.Text,
                    evidence = q.EvidenceDiaIds,
                    first_rank = result.FirstRank(i, q.EvidenceMemoryIds),
                    shared_terms = SharedTerms(q),
                    ranked = result.Ranked[i].Select(id => diaByMemory.GetValueOrDefault(id, id)),
                }));
            }
    }

    // ----- the analysis's tokeniser (diagnostics only; the server has its own) -----

    // The server's stop words, plus conversational fillers that carry no topic in these questions.
    private static readonly HashSet<string> ExtraStopWords = new(StringComparer.Ordinal)
    {
        "s", "t", "not", "no", "just", "also", "get", "got", "some", "kind", "likely", "go", "went",
    };

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();

    private static HashSet<string> ContentTerms(string text, IReadOnlyList<string> speakers)
    {
        var names = speakers.Select(s => s.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        return WordPattern().Matches(text.ToLowerInvariant())
            .Select(m => m.Value)
            .Where(w => !LexicalQuery.IsStopWord(w) && !ExtraStopWords.Contains(w) && !names.Contains(w))
            .Select(Stem)
            .ToHashSet(StringComparer.Ordinal);
    }

    private static string Stem(string w)
    {
        if (w.Length > 5 && w.EndsWith("ing", StringComparison.Ordinal)) return w[..^3];
        if (w.Length > 4 && w.EndsWith("ed", StringComparison.Ordinal)) return w[..^2];
        if (w.Length > 4 && w.EndsWith("es", StringComparison.Ordinal)) return w[..^2];
        if (w.Length > 3 && w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal)) return w[..^1];
        return w;
    }

    private static int SharedTerms(Question q)
    {
        var questionTerms = ContentTerms(q.Text, q.Conversation.Speakers);
        var evidenceText = string.Join(' ', q.Conversation.Turns.Where(t => q.EvidenceMemoryIds.Contains(t.MemoryId))
            .Select(t => t.Content[(t.Content.IndexOf(':') + 1)..]));
        var evidenceTerms = ContentTerms(evidenceText, q.Conversation.Speakers);
        return questionTerms.Count(evidenceTerms.Contains);
    }
}

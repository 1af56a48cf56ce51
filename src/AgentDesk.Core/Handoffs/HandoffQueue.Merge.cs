using System.Text.Json.Nodes;
using AgentDesk.Core.Memory;

namespace AgentDesk.Core.Handoffs;

public sealed partial class HandoffQueue
{
    /// <summary>
    /// A supervisor's merge of a parallel case (PRODUCT.md edge case 5): <paramref name="id"/> leaves the queues as
    /// <c>merged</c>, pointing at <paramref name="intoId"/>, whose context recall from then on includes the merged
    /// case's summary and memories and whose next summary carries its open commitments. A claimed case's agent
    /// session is ended, so nothing more is written where the case no longer is.
    /// </summary>
    public async Task<Handoff> MergeAsync(string id, string intoId, string actor, CancellationToken ct = default)
    {
        if (id == intoId) throw DeskException.Invalid("a case cannot be merged into itself: name the other case in 'into'");
        var merged = await database.WriteAsync(async (connection, tx) =>
        {
            var h = await HandoffRecords.GetAsync(connection, tx, id, ct) ?? throw DeskException.NotFound($"handoff '{id}' not found");
            var into = await HandoffRecords.GetAsync(connection, tx, intoId, ct) ?? throw DeskException.NotFound($"handoff '{intoId}' not found");
            if (HandoffLifecycle.MergeRefusal(h, into) is { } why) throw DeskException.Conflict(why);
            var now = NowMs;
            await HandoffRecords.UpdateAsync(connection, tx,
                "UPDATE handoffs SET status = 'merged', merged_into = @intoId, merged_at = @now WHERE id = @id AND status IN ('queued', 'claimed')",
                new { id, intoId, now }, ct);
            await HandoffRecords.AddEventAsync(connection, tx, id, HandoffEventKind.Merged, now, actor, new { into = intoId, from_status = h.Status }, ct);
            if (h.AgentSessionId is { } sessionId)
                await SessionStore.EndAsync(connection, tx, sessionId, null, new JsonObject { ["merged_into"] = intoId }, now, ct);
            return h with { Status = HandoffStatus.Merged, MergedInto = intoId, MergedAtMs = now };
        }, ct);
        if (merged.ClaimedBy is { } agent) events.Publish(new DeskChange("session", agent));
        notifier.Publish(new HandoffChange(HandoffEventKind.Merged, merged));
        return merged;
    }
}

using AgentDesk.Bench.Infrastructure;

namespace AgentDesk.Bench.Scenarios;

/// <summary>
/// One benchmark, selected by name on the command line. Add a scenario by adding a class in this
/// folder and a line in <see cref="ScenarioCatalog"/>; start the server with <see cref="BenchContext.StartServerAsync"/>.
/// </summary>
public interface IScenario
{
    string Name { get; }
    string Description { get; }
    /// <summary>Options it understands, for <c>--help</c>: (name, meaning and default).</summary>
    IReadOnlyList<(string Option, string Help)> Options { get; }
    Task<Report> RunAsync(BenchContext context, CancellationToken ct);
}

public static class ScenarioCatalog
{
    public static readonly IReadOnlyList<IScenario> All = [new MicroScenario(), new LocomoScenario(), new ScaleScenario(), new VectorIndexScenario(), new HandoffScenario(), new DeskPickupScenario(), new DeskScreenshotsScenario(), new ShiftBatchScenario(), new AnalyticsScenario(), new MixedLoadScenario(), new HubFanoutScenario()];

    public static IScenario? Find(string name) => All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}

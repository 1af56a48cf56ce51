namespace AgentDesk.Web.Tests.Support;

/// <summary>A desk whose model (embeddings or summaries) is a <see cref="FakeOpenAiServer"/> started with the fixture.</summary>
public abstract class ModelDeskFactory : DeskFactory
{
    /// <param name="section">The OpenAI-compatible settings section whose BaseUrl, Model and ApiKey point at the fake server.</param>
    protected ModelDeskFactory(string section, string model)
    {
        Model = FakeOpenAiServer.StartAsync().GetAwaiter().GetResult();
        Settings[$"{section}:BaseUrl"] = Model.BaseUrl.AbsoluteUri;
        Settings[$"{section}:Model"] = model;
        Settings[$"{section}:ApiKey"] = "sk-fake";
    }

    public FakeOpenAiServer Model { get; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Model.DisposeAsync();
    }
}

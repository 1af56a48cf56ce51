namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>
/// A hosted embedding model did not deliver (HTTP error, timeout, unreadable answer). The caller
/// can catch exactly this, store the memory without a vector and back-fill it later, while a
/// cancelled request or a programming error still propagates as itself.
/// </summary>
public sealed class EmbeddingServiceException(string message, Exception? inner = null) : Exception(message, inner);

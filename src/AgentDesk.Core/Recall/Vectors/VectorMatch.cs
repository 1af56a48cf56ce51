namespace AgentDesk.Core.Recall.Vectors;

/// <summary>
/// One entry of a vector search: the memory's <c>seq</c> and its cosine similarity to the query, as
/// measured on the index's int8 copy of the vector (within about 0.01 of the exact float cosine).
/// </summary>
public readonly record struct VectorMatch(long Seq, float Score);

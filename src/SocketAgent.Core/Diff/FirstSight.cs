namespace SocketAgent.Diff;

/// <summary>What a differ reports the first time it is given the state of a network namespace.</summary>
internal enum FirstSight
{
    /// <summary>One <c>snapshot</c> event per item: the full current state, from which a consumer builds its view.</summary>
    Snapshot,

    /// <summary>Every item as new (<c>opened</c> / <c>added</c>): for a namespace that appeared after the agent started.</summary>
    AsNew,

    /// <summary>No events: the state is only remembered (the snapshot lines already carry it).</summary>
    Silent,
}

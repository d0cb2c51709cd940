namespace SocketAgent.Tests.Delivery.Outputs;

/// <summary>A clock the test moves by hand (only what the outputs use: the wall clock).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

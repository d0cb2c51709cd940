using CsCheck;
using SocketAgent.Diff;
using SocketAgent.Events;
using SocketAgent.Model;
using static SocketAgent.Tests.Diff.DiffRecords;
using SockState = SocketAgent.Model.KernelSocketState;

namespace SocketAgent.Tests.Diff;

/// <summary>Random interleavings of collections and destroy notifications keep the stream consistent.</summary>
public sealed class SocketDifferPropertyTests
{
    private static readonly SockState[] s_states =
        [SockState.SynSent, SockState.Established, SockState.FinWait1, SockState.FinWait2, SockState.CloseWait, SockState.LastAck, SockState.TimeWait, SockState.Listen];

    [Fact]
    public void EverySocketOpensOnceClosesAtMostOnceAndNeverAfterItsClose()
    {
        // Each step: a collection of a random subset of 8 cookies in random states, or a destroy of one cookie.
        // A socket that left the dump, or was destroyed, only comes back as its TIME_WAIT entry (or, in the dump that
        // raced with its destroy, once more as it was), as on a real kernel.
        Gen<(bool Destroy, int Cookie, uint Mask, int Seed)> step = Gen.Select(Gen.Int[0, 3], Gen.Int[1, 8], Gen.UInt, Gen.Int)
            .Select(s => (s.Item1 == 0, s.Item2, s.Item3, s.Item4));
        Gen.Select(step.Array[1, 40], Gen.Bool).Sample(t =>
        {
            ((bool Destroy, int Cookie, uint Mask, int Seed)[] steps, bool expectDestroys) = t;
            var differ = new SocketDiffer(new SocketDifferOptions { DestroyEventsExpected = expectDestroys });
            var opened = new HashSet<ulong>();
            var closed = new HashSet<ulong>();
            int second = 0;
            var present = new HashSet<int>();
            var gone = new HashSet<int>();
            var destroyedAt = new Dictionary<int, int>();

            void Check(SocketEvent e)
            {
                ulong cookie = e.Socket.Cookie!.Value;
                Assert.DoesNotContain(cookie, closed);
                if (e.Action == SocketEventAction.Closed)
                {
                    closed.Add(cookie);
                    Assert.Equal(opened.Contains(cookie), e.SeenOpen);
                }
                else if (e.Action is SocketEventAction.Opened or SocketEventAction.Snapshot)
                {
                    Assert.True(opened.Add(cookie));
                }
                else
                {
                    Assert.Contains(cookie, opened);
                }
            }

            foreach ((bool destroy, int cookie, uint mask, int seed) in steps)
            {
                second++;
                if (destroy)
                {
                    destroyedAt.TryAdd(cookie, second);
                    if (differ.OnDestroyed(Destroy((ulong)cookie), At(second)) is SocketEvent e)
                    {
                        Check(e);
                    }
                    continue;
                }
                var random = new Random(seed);
                var records = new List<SocketRecord>();
                var listed = new HashSet<int>();
                for (int i = 1; i <= 8; i++)
                {
                    if ((mask & (1u << i)) != 0)
                    {
                        SockState state = s_states[random.Next(s_states.Length)];
                        bool racing = destroyedAt.TryGetValue(i, out int at) && at == second - 1 && present.Contains(i);
                        bool ended = gone.Contains(i) || (destroyedAt.ContainsKey(i) && !racing);
                        if (state == SockState.TimeWait || ended)
                        {
                            records.Add(TimeWait((ulong)i));
                        }
                        else
                        {
                            records.Add(Tcp((ulong)i, state, inode: (ulong)(100 + i)));
                            listed.Add(i);
                        }
                    }
                }
                foreach (int i in present)
                {
                    if (!listed.Contains(i))
                    {
                        gone.Add(i);
                    }
                }
                present = listed;
                foreach (SocketEvent e in differ.Apply(Host, records, SocketOwners.Empty, At(second)))
                {
                    Check(e);
                }
            }
            Assert.True(differ.TrackedCount <= 8);
        }, iter: 2000);
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Inbox.Storage;

/// <summary>
/// UUIDv7 ids (RFC 9562) that also sort in creation order within one millisecond in this process (method 1: a 12-bit
/// counter in rand_a). <see cref="Ids.New()"/> fills those bits at random, so two rows made in the same
/// millisecond, such as a message and its automatic acknowledgement, would order arbitrarily.
/// </summary>
public static class Ids
{
    private static readonly Lock Gate = new();
    private static long _lastMs;
    private static int _counter;

    public static Guid New()
    {
        long ms;
        int counter;
        lock (Gate)
        {
            ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (ms > _lastMs)
            {
                _lastMs = ms;
                _counter = RandomNumberGenerator.GetInt32(0, 0x400); // leave room to count up
            }
            else if (++_counter > 0xFFF)
            {
                _lastMs++; // counter exhausted: borrow the next millisecond
                _counter = 0;
            }
            ms = _lastMs;
            counter = _counter;
        }
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        BinaryPrimitives.WriteInt64BigEndian(bytes, ms << 16); // 48-bit timestamp in bytes 0-5
        bytes[6] = (byte)(0x70 | (counter >> 8));             // version 7, counter high bits
        bytes[7] = (byte)counter;
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));           // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }
}

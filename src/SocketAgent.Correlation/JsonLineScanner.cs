using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Json;

namespace SocketAgent.Correlation;

/// <summary>
/// A forward-only scanner over one JSON line for a reader that needs a few members of it. The members it is asked for
/// are read token by token; every other value is skipped by its structure: a walk over a byte-class table to the next
/// quote or bracket passes numbers, literals and separators without telling them apart, and string text is compared 16
/// bytes at a time, where <see cref="Utf8JsonReader"/> stops at each token and starts a general vectorised search for
/// each string (a daemon line is ~150 tokens, of which the join reads ~25; that reader was ~45 % of correlate's CPU).
/// </summary>
/// <remarks>
/// What is read is checked as strictly as <see cref="Utf8JsonReader"/> does. A skipped value is checked for structure —
/// brackets that match, strings that end, valid escapes, no control byte in a string, nothing outside a string but
/// numbers, literals, separators and white space, at most <see cref="MaxDepth"/> levels — but not token by token, so a
/// missing or doubled comma or a misspelt literal inside a member the join does not read is let through: its value is
/// never used.
/// A malformed line throws <see cref="JsonException"/>, which the caller counts.
/// </remarks>
internal ref struct JsonLineScanner
{
    /// <summary>Containers nested deeper than this make the line malformed (as <see cref="JsonReaderOptions.MaxDepth"/>).</summary>
    public const int MaxDepth = 16;

    private const byte EndsStringText = 1;
    private const byte EndsPlainRun = 2;

    /// <summary>
    /// Per byte: <see cref="EndsStringText"/> for a quote, a backslash or a control byte; <see cref="EndsPlainRun"/> for
    /// anything but the bytes of numbers, literals, separators and white space (a quote, a bracket, or not JSON).
    /// </summary>
    private static ReadOnlySpan<byte> Classes =>
    [
        3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 3, 3, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
        0, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2,
        2, 2, 2, 2, 2, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 2, 2,
        2, 0, 2, 2, 2, 0, 0, 2, 2, 2, 2, 2, 0, 2, 0, 2, 2, 2, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    ];

    /// <summary>Room for an escaped member name or short value once unescaped; longer ones match nothing a reader wants.</summary>
    public const int ScratchLength = 64;

    private readonly ReadOnlySpan<byte> _line;
    private readonly Span<byte> _scratch;
    private int _position;
    private int _depth;

    /// <summary>A value was just read in the current container, so the next member or item follows a comma.</summary>
    private bool _afterValue;

    /// <param name="line">One JSON value.</param>
    /// <param name="scratch"><see cref="ScratchLength"/> bytes to unescape names and short values into.</param>
    public JsonLineScanner(ReadOnlySpan<byte> line, Span<byte> scratch)
    {
        _line = line;
        _scratch = scratch;
    }

    /// <summary>The next value's first byte (<c>"</c>, <c>{</c>, <c>[</c>, a digit or <c>-</c>, <c>t</c>/<c>f</c>/<c>n</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte PeekValue()
    {
        SkipWhiteSpace();
        if (_position >= _line.Length)
        {
            ThrowMalformed();
        }
        return _line[_position];
    }

    /// <summary>Enters the object that is the next value; otherwise skips that value and returns false.</summary>
    public bool TryEnterObject()
    {
        if (PeekValue() != (byte)'{')
        {
            SkipValue();
            return false;
        }
        if (++_depth > MaxDepth)
        {
            ThrowMalformed();
        }
        _position++;
        _afterValue = false;
        return true;
    }

    /// <summary>
    /// Moves to the next member of the object entered and returns its name (unescaped into the scratch in the rare line
    /// that escapes one; valid until the next name or short string), positioned on its value; false, past the closing
    /// brace, at the object's end.
    /// </summary>
    public bool TryReadMemberName(out ReadOnlySpan<byte> name)
    {
        SkipWhiteSpace();
        if (_position < _line.Length && _line[_position] == (byte)'}')
        {
            _position++;
            _depth--;
            _afterValue = true;
            name = default;
            return false;
        }
        if (_afterValue)
        {
            Expect((byte)',');
            SkipWhiteSpace();
        }
        if (_position >= _line.Length || _line[_position] != (byte)'"')
        {
            ThrowMalformed();
        }
        ReadOnlySpan<byte> raw = ReadStringToken(out bool escaped);
        name = escaped ? Unescape(raw, _scratch) : raw[1..^1];
        SkipWhiteSpace();
        Expect((byte)':');
        _afterValue = false;
        return true;
    }

    /// <summary>
    /// The next value when it is a string: its raw JSON text with the quotes (<paramref name="escaped"/> when it holds an
    /// escape); any other value is skipped and false returned.
    /// </summary>
    public bool TryReadString(out ReadOnlySpan<byte> raw, out bool escaped)
    {
        if (PeekValue() != (byte)'"')
        {
            SkipValue();
            raw = default;
            escaped = false;
            return false;
        }
        raw = ReadStringToken(out escaped);
        _afterValue = true;
        return true;
    }

    /// <summary>Whether the next value is a string equal to <paramref name="expected"/> once unescaped.</summary>
    public bool ReadStringEquals(ReadOnlySpan<byte> expected) => ReadShortString().SequenceEqual(expected);

    /// <summary>
    /// The next value when it is a string of up to <see cref="ScratchLength"/> bytes, unescaped (the agents write ids
    /// without escapes, but a pipeline that re-encoded the line may have written <c>\u002B</c> for a +): its text in the
    /// line, or in the scratch when escaped. Empty when not a string or too long.
    /// </summary>
    public ReadOnlySpan<byte> ReadShortString()
    {
        if (!TryReadString(out ReadOnlySpan<byte> raw, out bool escaped) || raw.Length - 2 > _scratch.Length)
        {
            return default;
        }
        return escaped ? Unescape(raw, _scratch) : raw[1..^1];
    }

    /// <summary>The next value when it is a number token; any other value is skipped and false returned.</summary>
    public bool TryReadNumber(out ReadOnlySpan<byte> number)
    {
        byte first = PeekValue();
        if (first != (byte)'-' && (uint)(first - '0') > 9)
        {
            SkipValue();
            number = default;
            return false;
        }
        number = ReadScalarToken();
        return true;
    }

    /// <summary>The next value as an integer, as <see cref="Utf8JsonReader.TryGetInt64"/> reads it: false for a fraction, an exponent, or out of range.</summary>
    public bool TryReadInt64(out long value)
    {
        value = 0;
        return TryReadNumber(out ReadOnlySpan<byte> number) && Utf8Parser.TryParse(number, out value, out int consumed) && consumed == number.Length;
    }

    public bool TryReadUInt64(out ulong value)
    {
        value = 0;
        return TryReadNumber(out ReadOnlySpan<byte> number) && Utf8Parser.TryParse(number, out value, out int consumed) && consumed == number.Length;
    }

    public bool TryReadInt32(out int value)
    {
        value = 0;
        return TryReadNumber(out ReadOnlySpan<byte> number) && Utf8Parser.TryParse(number, out value, out int consumed) && consumed == number.Length;
    }

    public bool TryReadUInt16(out ushort value)
    {
        value = 0;
        return TryReadNumber(out ReadOnlySpan<byte> number) && Utf8Parser.TryParse(number, out value, out int consumed) && consumed == number.Length;
    }

    /// <summary>Skips the next value and returns its raw JSON text (an array or object from its bracket to its end).</summary>
    public ReadOnlySpan<byte> SkipValue()
    {
        byte first = PeekValue();
        int start = _position;
        switch (first)
        {
            case (byte)'"':
                ReadStringToken(out _);
                break;
            case (byte)'{':
            case (byte)'[':
                SkipContainer();
                break;
            default:
                ReadScalarToken();
                break;
        }
        _afterValue = true;
        return _line[start.._position];
    }

    /// <summary>After the top-level object: true when nothing but white space is left.</summary>
    public bool AtEnd()
    {
        SkipWhiteSpace();
        return _position == _line.Length;
    }

    /// <summary>Skips an object or array by its structure (see the remarks on the type).</summary>
    private void SkipContainer()
    {
        // Bit n of `arrays` says whether the container n levels down is an array, for matching its closing bracket.
        ulong arrays = 0;
        int level = 0;
        ReadOnlySpan<byte> line = _line;
        int position = _position;
        while (true)
        {
            // Numbers, literals and separators are walked over without a look: only quotes and brackets matter here.
            while (position < line.Length && (Classes[line[position]] & EndsPlainRun) == 0)
            {
                position++;
            }
            if (position >= line.Length)
            {
                ThrowMalformed();
            }
            byte c = line[position];
            switch (c)
            {
                case (byte)'"':
                    _position = position;
                    ReadStringToken(out _);
                    position = _position;
                    continue;
                case (byte)'{':
                case (byte)'[':
                    if (_depth + ++level > MaxDepth)
                    {
                        ThrowMalformed();
                    }
                    arrays = (arrays << 1) | (c == (byte)'[' ? 1UL : 0UL);
                    break;
                case (byte)'}':
                case (byte)']':
                    if (level == 0 || ((arrays & 1) == 1) != (c == (byte)']'))
                    {
                        ThrowMalformed();
                    }
                    arrays >>= 1;
                    level--;
                    break;
                default:
                    ThrowMalformed();
                    break;
            }
            position++;
            if (level == 0)
            {
                _position = position;
                return;
            }
        }
    }

    /// <summary>A string token from its opening quote; its raw text with the quotes.</summary>
    private ReadOnlySpan<byte> ReadStringToken(out bool escaped)
    {
        int start = _position;
        int position = start + 1;
        escaped = false;
        ReadOnlySpan<byte> line = _line;
        while (true)
        {
            position = EndOfStringText(line, position);
            byte c = _line[position];
            if (c == (byte)'"')
            {
                _position = position + 1;
                return _line[start.._position];
            }
            if (c != (byte)'\\' || position + 1 >= _line.Length)
            {
                ThrowMalformed(); // a raw control byte, or a line that ends in an escape
            }
            escaped = true;
            switch (_line[position + 1])
            {
                case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    position += 2;
                    break;
                case (byte)'u' when position + 6 <= _line.Length && IsHex(_line.Slice(position + 2, 4)):
                    position += 6;
                    break;
                default:
                    ThrowMalformed();
                    break;
            }
        }
    }

    /// <summary>
    /// Where the run of plain string text from <paramref name="position"/> ends: at a quote, a backslash or a control
    /// byte. Sixteen bytes are compared at once, inline: the strings of a line are mostly 6 to 40 bytes, too short to
    /// repay the start-up of a general vectorised search.
    /// </summary>
    private static int EndOfStringText(ReadOnlySpan<byte> line, int position)
    {
        ref byte start = ref MemoryMarshal.GetReference(line);
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<byte> quote = Vector128.Create((byte)'"'), backslash = Vector128.Create((byte)'\\'), space = Vector128.Create((byte)' ');
            while (position <= line.Length - Vector128<byte>.Count)
            {
                Vector128<byte> text = Vector128.LoadUnsafe(ref start, (nuint)position);
                uint stops = (Vector128.Equals(text, quote) | Vector128.Equals(text, backslash) | Vector128.LessThan(text, space)).ExtractMostSignificantBits();
                if (stops != 0)
                {
                    return position + BitOperations.TrailingZeroCount(stops);
                }
                position += Vector128<byte>.Count;
            }
        }
        while (position < line.Length && (Classes[line[position]] & EndsStringText) == 0)
        {
            position++;
        }
        if (position >= line.Length)
        {
            ThrowMalformed(); // a string that does not end
        }
        return position;
    }

    /// <summary>A number or literal token, checked as JSON writes it.</summary>
    private ReadOnlySpan<byte> ReadScalarToken()
    {
        int start = _position;
        int end = start;
        while (end < _line.Length && _line[end] is not ((byte)',' or (byte)'}' or (byte)']' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            end++;
        }
        ReadOnlySpan<byte> token = _line[start..end];
        if (!(token.SequenceEqual("true"u8) || token.SequenceEqual("false"u8) || token.SequenceEqual("null"u8) || IsNumber(token)))
        {
            ThrowMalformed();
        }
        _position = start + token.Length;
        _afterValue = true;
        return token;
    }

    /// <summary>-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
    private static bool IsNumber(ReadOnlySpan<byte> token)
    {
        int i = 0;
        if (i < token.Length && token[i] == (byte)'-')
        {
            i++;
        }
        if (i >= token.Length || !char.IsAsciiDigit((char)token[i]))
        {
            return false;
        }
        if (token[i] == (byte)'0')
        {
            i++;
        }
        else
        {
            i = Digits(token, i);
        }
        if (i < token.Length && token[i] == (byte)'.')
        {
            int fraction = Digits(token, i + 1);
            if (fraction == i + 1)
            {
                return false;
            }
            i = fraction;
        }
        if (i < token.Length && (token[i] | 0x20) == (byte)'e')
        {
            i++;
            if (i < token.Length && token[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }
            int exponent = Digits(token, i);
            if (exponent == i)
            {
                return false;
            }
            i = exponent;
        }
        return i == token.Length;
    }

    private static int Digits(ReadOnlySpan<byte> token, int i)
    {
        while (i < token.Length && char.IsAsciiDigit((char)token[i]))
        {
            i++;
        }
        return i;
    }

    private static bool IsHex(ReadOnlySpan<byte> digits)
    {
        foreach (byte b in digits)
        {
            if (!char.IsAsciiHexDigit((char)b))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A string's text unescaped into <paramref name="scratch"/>; empty when it does not fit (no short name or value the
    /// readers compare is that long). Only lines re-encoded by another tool escape what the agent writes plainly.
    /// </summary>
    public static ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> raw, Span<byte> scratch)
    {
        // The token is valid (checked when scanned), and one string is a whole JSON document: let the reader unescape it.
        var reader = new Utf8JsonReader(raw);
        reader.Read();
        return reader.ValueSpan.Length <= scratch.Length ? scratch[..reader.CopyString(scratch)] : default; // unescaping only shortens
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SkipWhiteSpace()
    {
        // The agents write no white space between tokens: one compare, inlined, for the usual case.
        if (_position < _line.Length && _line[_position] > (byte)' ')
        {
            return;
        }
        SkipWhiteSpaceRun();
    }

    private void SkipWhiteSpaceRun()
    {
        while (_position < _line.Length && _line[_position] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            _position++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Expect(byte c)
    {
        if (_position >= _line.Length || _line[_position] != c)
        {
            ThrowMalformed();
        }
        _position++;
    }

    [DoesNotReturn]
    private static void ThrowMalformed() => throw new JsonException("not one JSON object");
}

namespace CallBot.Media.Containers;

/// <summary>Why a container reader stopped before the end of its input. Readers never throw on bad bytes; they report one of these.</summary>
public enum ContainerError
{
    None,
    /// <summary>The input ends inside a header or a frame.</summary>
    Truncated,
    /// <summary>A magic number or fixed field does not match the format.</summary>
    BadSignature,
    /// <summary>A header declares a size that is impossible or above the reader's cap.</summary>
    BadLength,
    /// <summary>A declared frame is larger than the reader's frame cap.</summary>
    FrameTooLarge,
    /// <summary>The stream is of a codec this reader does not handle (e.g. an IVF with VP9).</summary>
    UnsupportedCodec,
    /// <summary>An Ogg page checksum does not match.</summary>
    BadChecksum,
    /// <summary>An Opus packet's TOC describes an impossible frame layout (RFC 6716 §3.2).</summary>
    BadOpusPacket,
}

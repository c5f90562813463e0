package dev.lorapar.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * Decodes a token stream one id at a time. {@link #accept} returns the text completed by each token;
 * bytes of a character still incomplete (a multi-byte character split over byte tokens) are kept until
 * the character completes. The concatenation of all {@code accept} results and {@link #finish()} equals
 * {@link Tokenizer#decode} of the same ids. Not thread-safe; one per stream.
 */
public final class StreamingDecoder {
    private final IntFunction<byte[]> surface;   // id -> the bytes it decodes to
    private final boolean stripLeadingSpace;
    private final CharsetDecoder utf8 = newUtf8Decoder();
    private ByteBuffer pending = ByteBuffer.allocate(16);  // write mode: bytes not yet decoded
    private boolean atStart = true;

    StreamingDecoder(IntFunction<byte[]> surface, boolean stripLeadingSpace) {
        this.surface = surface;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /** A UTF-8 decoder that writes U+FFFD for malformed input, as {@link Tokenizer#decode} does. */
    static CharsetDecoder newUtf8Decoder() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
    }

    /** {@code bytes} as UTF-8, malformed sequences replaced by U+FFFD (the same decoder as streaming). */
    static String decodeReplacing(byte[] bytes) {
        try {
            return newUtf8Decoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing UTF-8 decoder reported an error", e);
        }
    }

    /**
     * Feeds token {@code id}; returns the text it completes (possibly "").
     *
     * @throws IllegalArgumentException when {@code id} is outside the vocabulary
     */
    public String accept(int id) {
        byte[] bytes = surface.apply(id);
        if (bytes.length == 0) {
            return "";
        }
        if (pending.remaining() < bytes.length) {
            ByteBuffer larger = ByteBuffer.allocate(2 * (pending.position() + bytes.length));
            larger.put(pending.flip());
            pending = larger;
        }
        pending.put(bytes);
        return drain(false);
    }

    /**
     * Ends the stream: bytes left over (an incomplete character) come back as U+FFFD. The decoder is
     * then ready for a new stream.
     */
    public String finish() {
        String tail = drain(true);
        utf8.reset();
        atStart = true;
        return tail;
    }

    private String drain(boolean endOfInput) {
        pending.flip();
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        StringBuilder text = new StringBuilder();
        while (utf8.decode(pending, out, endOfInput).isOverflow()) {  // REPLACE: errors never surface
            text.append(out.flip());
            out.clear();
        }
        if (endOfInput) {
            utf8.flush(out);  // UTF-8 keeps no state outside the pending bytes: writes nothing
        }
        text.append(out.flip());
        pending.compact();
        if (atStart && !text.isEmpty()) {
            atStart = false;
            if (stripLeadingSpace && text.charAt(0) == ' ') {
                text.deleteCharAt(0);
            }
        }
        return text.toString();
    }
}

package dev.lorapar.train.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a byte stream line by line without decoding it (JSON is parsed from the bytes, so invalid UTF-8 is a
 * per-line error, not a failure of the whole file). Lines end at {@code \n}; a {@code \r} before it is dropped.
 * One buffer is reused: {@link #bytes()} is valid until the next {@link #next()}.
 */
final class ByteLines {
    private final InputStream in;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos, chunkEnd;
    private byte[] line = new byte[1 << 12];
    private int length;
    private long number;

    ByteLines(InputStream in) {
        this.in = in;
    }

    /** Advances to the next line; false at the end of the stream. */
    boolean next() throws IOException {
        length = 0;
        boolean any = false;
        while (true) {
            if (chunkPos == chunkEnd) {
                chunkEnd = in.read(chunk, 0, chunk.length);
                chunkPos = 0;
                if (chunkEnd <= 0) {
                    chunkEnd = 0;
                    if (!any) {
                        return false;
                    }
                    break;
                }
            }
            any = true;
            int newline = -1;
            for (int i = chunkPos; i < chunkEnd; i++) {
                if (chunk[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            int end = newline < 0 ? chunkEnd : newline;
            append(chunkPos, end - chunkPos);
            chunkPos = newline < 0 ? chunkEnd : newline + 1;
            if (newline >= 0) {
                break;
            }
        }
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        number++;
        return true;
    }

    private void append(int from, int count) {
        if (length + count > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
        }
        System.arraycopy(chunk, from, line, length, count);
        length += count;
    }

    /** The current line's bytes, {@code [0, length())}. */
    byte[] bytes() {
        return line;
    }

    int length() {
        return length;
    }

    /** The 1-based number of the current line. */
    long number() {
        return number;
    }

    /** True when the current line holds only JSON whitespace (space, tab, CR) or is empty. */
    boolean isBlank() {
        for (int i = 0; i < length; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}

package dev.lorapar.eval.bench;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where an evaluation item came from: its file, the 1-based line where its record starts, and, for an element of
 * a JSON array, its 0-based index in that array (-1 for JSONL and CSV records, where the line says it all).
 */
public record ItemSource(Path file, long line, int index) {
    public ItemSource {
        Objects.requireNonNull(file, "file");
        if (line < 1) {
            throw new IllegalArgumentException("line " + line + " < 1");
        }
        if (index < -1) {
            throw new IllegalArgumentException("index " + index + " < -1");
        }
    }

    /** A JSONL line or a CSV record. */
    public static ItemSource line(Path file, long line) {
        return new ItemSource(file, line, -1);
    }

    /** {@code file:line}, with {@code (index i)} for an element of a JSON array. */
    @Override
    public String toString() {
        return file + ":" + line + (index >= 0 ? " (index " + index + ")" : "");
    }
}

package dev.lorapar.train.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a record came from: its file and the 1-based line where it starts (JSONL: its line; JSON: the line of its
 * opening brace).
 */
public record SourceLine(Path file, long line) {
    public SourceLine {
        Objects.requireNonNull(file, "file");
        if (line < 1) {
            throw new IllegalArgumentException("line " + line + " < 1");
        }
    }

    /** {@code file:line}, as compilers and editors write it. */
    @Override
    public String toString() {
        return file + ":" + line;
    }
}

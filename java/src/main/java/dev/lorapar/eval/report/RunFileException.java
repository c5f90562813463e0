package dev.lorapar.eval.report;

import java.io.IOException;
import java.nio.file.Path;

/** A run file that is not a valid lorapar evaluation run: the message names the file and the line. */
public final class RunFileException extends IOException {
    private final Path file;
    private final long line;

    public RunFileException(Path file, long line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** The 1-based line where the problem is, 0 when unknown. */
    public long line() {
        return line;
    }
}

package dev.lorapar.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Text files written whole or not at all: a temporary file beside the target, renamed over it. */
final class TextFiles {
    private TextFiles() {
    }

    /** {@link #writeAtomically} unless {@code file} already holds exactly {@code text} (its time stamp is kept). */
    static void writeIfDifferent(Path file, CharSequence text) throws IOException {
        if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).contentEquals(text)) {
            return;
        }
        writeAtomically(file, text);
    }

    /** Writes {@code text} as UTF-8 to {@code file} (parent folders made), so a reader never sees half a file. */
    static void writeAtomically(Path file, CharSequence text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

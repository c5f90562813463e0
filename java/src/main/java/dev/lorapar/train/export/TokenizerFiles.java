package dev.lorapar.train.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Copies the Hugging Face tokenizer files of a folder into an exported checkpoint. */
public final class TokenizerFiles {
    /** The files copied when present. */
    public static final List<String> NAMES = List.of("tokenizer.model", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "added_tokens.json");

    private TokenizerFiles() {
    }

    /**
     * Copies every file of {@link #NAMES} that {@code from} holds into {@code to}; returns their names.
     *
     * @throws IllegalArgumentException when {@code from} is not a folder or holds none of them
     */
    public static List<String> copy(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IllegalArgumentException("tokenizer folder " + from + " is not a folder");
        }
        List<String> copied = new ArrayList<>();
        for (String name : NAMES) {
            Path file = from.resolve(name);
            if (Files.isRegularFile(file)) {
                AtomicFiles.copy(file, to.resolve(name));
                copied.add(name);
            }
        }
        if (copied.isEmpty()) {
            throw new IllegalArgumentException("tokenizer folder " + from + " holds none of " + NAMES);
        }
        return copied;
    }
}

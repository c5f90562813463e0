package dev.lorapar.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading tokenizer files whole, with a size limit so that a wrong path cannot exhaust the heap. */
final class TokenizerFiles {
    /** Larger than any real tokenizer file (LLaMA's are 0.4–2 MB; 256k-vocabulary JSON files ~ 20 MB). */
    static final long MAX_BYTES = 256L << 20;

    private TokenizerFiles() {
    }

    static byte[] readAll(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new TokenizerFormatException(file, "file has " + size + " bytes, more than any tokenizer ("
                        + MAX_BYTES + " bytes at most)");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TokenizerFormatException(file, "cannot read: " + e, e);
        }
    }
}

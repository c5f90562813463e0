package dev.lorapar.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Opens a tokenizer by its file type, or finds the one that belongs to a model checkpoint. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * tokenizer.model (SentencePiece protobuf), *.json (Hugging Face tokenizer.json), *.bin (llama2.c tokenizer),
     * *.gguf (the vocabulary of a GGUF model); a folder: its tokenizer.model, else its tokenizer.json.
     */
    public static Tokenizer open(Path file) {
        if (Files.isDirectory(file)) {
            for (String name : new String[] {"tokenizer.model", "tokenizer.json"}) {
                if (Files.isRegularFile(file.resolve(name))) {
                    return open(file.resolve(name));
                }
            }
            throw new IllegalArgumentException(file + ": no tokenizer.model or tokenizer.json in this folder");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".model")) {
            return SentencePieceModelLoader.load(file);
        }
        if (name.endsWith(".json")) {
            return HfTokenizerJsonLoader.load(file);
        }
        if (name.endsWith(".bin")) {
            return Llama2cTokenizerLoader.load(file);
        }
        if (name.endsWith(".gguf")) {
            return GgufVocabularyLoader.load(file);
        }
        throw new IllegalArgumentException(file + ": not a tokenizer file this project reads (tokenizer.model, "
                + "tokenizer.json, a llama2.c tokenizer .bin or a .gguf)");
    }

    /**
     * The tokenizer of a model checkpoint: a Hugging Face folder's own files, a GGUF file's vocabulary, or for a
     * llama2.c .bin the tokenizer.bin / tok*.bin beside it.
     */
    public static Tokenizer nextTo(Path model) {
        if (Files.isDirectory(model)) {
            return open(model);
        }
        String name = model.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gguf")) {
            return open(model);
        }
        Path dir = model.toAbsolutePath().getParent();
        List<Path> candidates = new ArrayList<>();
        for (String n : new String[] {"tokenizer.model", "tokenizer.json", "tokenizer.bin"}) {
            if (Files.isRegularFile(dir.resolve(n))) {
                candidates.add(dir.resolve(n));
            }
        }
        if (candidates.isEmpty()) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.getFileName().toString().matches("tok.*\\.bin") && !p.equals(model))
                        .sorted().forEach(candidates::add);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("no tokenizer found next to " + model
                    + " (tokenizer.model, tokenizer.json, tokenizer.bin or tok*.bin); give one explicitly");
        }
        return open(candidates.get(0));
    }
}

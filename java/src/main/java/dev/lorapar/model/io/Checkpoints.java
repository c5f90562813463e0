package dev.lorapar.model.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** Opens a LLaMA checkpoint of any supported format, detecting which from the path. */
public final class Checkpoints {
    private Checkpoints() {
    }

    /**
     * Opens {@code path}: a folder with {@code config.json} → Hugging Face safetensors; a {@code .gguf}
     * file, or any file starting with the magic "GGUF" → GGUF; a {@code .bin} file → llama2.c.
     *
     * @throws CheckpointException naming the file (and tensor) when it cannot be loaded
     */
    public static Checkpoint open(Path path) {
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve(HfCheckpointLoader.CONFIG))) {
                throw new CheckpointException(path, "is a folder without " + HfCheckpointLoader.CONFIG
                        + " (a Hugging Face checkpoint folder needs one)");
            }
            return openHuggingFace(path);
        }
        if (!Files.exists(path)) throw new CheckpointException(path, "no such file or folder");
        String name = String.valueOf(path.getFileName()).toLowerCase(Locale.ROOT);
        if (name.endsWith(".gguf") || startsWithGgufMagic(path)) return openGguf(path);
        if (name.endsWith(".bin")) return openLlama2c(path);
        if (name.endsWith(".safetensors")) {
            throw new CheckpointException(path, "open the folder that holds it (with config.json), not the .safetensors file");
        }
        throw new CheckpointException(path, "unknown checkpoint format (expected a folder with config.json, a .gguf or a llama2.c .bin file)");
    }

    /** Opens a Hugging Face folder (config.json + model.safetensors or sharded safetensors). */
    public static Checkpoint openHuggingFace(Path folder) {
        return HfCheckpointLoader.load(folder);
    }

    /** Opens a llama2.c legacy {@code .bin} checkpoint. */
    public static Checkpoint openLlama2c(Path file) {
        return Llama2cLoader.load(file);
    }

    /** Opens a GGUF v3 file of architecture llama. */
    public static Checkpoint openGguf(Path file) {
        return GgufCheckpointLoader.load(file);
    }

    private static boolean startsWithGgufMagic(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(4), new byte[] {'G', 'G', 'U', 'F'});
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot be read: " + e, e);
        }
    }
}

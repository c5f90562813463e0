package dev.lorapar.model.io;

import dev.lorapar.model.LlamaConfig;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A loaded LLaMA checkpoint: its config and its weights under their canonical names, memory-mapped
 * from the file(s) (no copy on the Java heap). Closing unmaps the files; the tensors' bytes are
 * unusable afterwards. Open one with {@link Checkpoints#open}.
 */
public final class Checkpoint implements AutoCloseable {
    /** {@link #format()} of a Hugging Face folder (config.json + safetensors). */
    public static final String FORMAT_HF = "hf-safetensors";
    /** {@link #format()} of a llama2.c {@code .bin}. */
    public static final String FORMAT_LLAMA2C = "llama2c";
    /** {@link #format()} of a GGUF file. */
    public static final String FORMAT_GGUF = "gguf";

    private final LlamaConfig config;
    private final Map<String, WeightTensor> tensors;
    private final Path source;
    private final String format;
    private final Arena arena;

    private Checkpoint(LlamaConfig config, Map<String, WeightTensor> tensors, Path source, String format, Arena arena) {
        this.config = config;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.source = source;
        this.format = format;
        this.arena = arena;
    }

    /**
     * Checks {@code found} against the config — every expected tensor present with its shape, nothing
     * else — and builds the checkpoint, which then owns {@code arena}. On failure throws and leaves the
     * arena to the caller (who closes it).
     *
     * @param fileOf the file a tensor came from, or for a missing one the file that should hold it
     *               (for error messages)
     */
    static Checkpoint assemble(LlamaConfig config, Map<String, WeightTensor> found, Path source, String format,
                               Arena arena, Function<String, Path> fileOf) {
        Map<String, WeightTensor> ordered = new LinkedHashMap<>();
        LlamaTensorNames.forEachExpected(config, (name, shape) -> { // throws at the first missing tensor
            WeightTensor t = found.get(name);
            if (t == null) {
                throw new CheckpointException(fileOf.apply(name), name, "is missing (expected shape " + Arrays.toString(shape) + ")");
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new CheckpointException(fileOf.apply(name), name, "shape " + Arrays.toString(t.shape())
                        + " disagrees with the config: expected " + Arrays.toString(shape));
            }
            ordered.put(name, t);
        });
        for (String name : found.keySet()) {
            if (!ordered.containsKey(name)) {
                throw new CheckpointException(fileOf.apply(name), name, "is not a tensor of a LLaMA model with "
                        + config.nLayers() + " layers" + (config.tiedEmbeddings() ? " and tied embeddings" : ""));
            }
        }
        return new Checkpoint(config, ordered, source, format, arena);
    }

    /** The model's hyper-parameters. */
    public LlamaConfig config() {
        return config;
    }

    /** The weights by canonical name, in canonical order (see {@link LlamaTensorNames#expectedShapes}). */
    public Map<String, WeightTensor> tensors() {
        return tensors;
    }

    /** The tensor with this canonical name; IllegalArgumentException when there is none. */
    public WeightTensor tensor(String name) {
        WeightTensor t = tensors.get(Objects.requireNonNull(name, "name"));
        if (t == null) throw new IllegalArgumentException(source + " has no tensor " + name);
        return t;
    }

    /** The file or folder it was loaded from. */
    public Path source() {
        return source;
    }

    /** {@link #FORMAT_HF}, {@link #FORMAT_LLAMA2C} or {@link #FORMAT_GGUF}. */
    public String format() {
        return format;
    }

    /** Unmaps the files; idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return format + " " + source + " " + config;
    }
}

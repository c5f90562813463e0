package dev.lorapar.train.export;

import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.io.CheckpointException;
import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a PEFT LoRA adapter folder ({@code adapter_config.json} + {@code adapter_model.safetensors}, tensors F32, F16 or
 * BF16) into a new {@link LoraAdapter} for given {@link LlamaWeights}, with the LoRA-PAR masks when the folder has
 * them ({@link MaskFiles}). The adapter must cover every layer of each target module with A [r×in] and B [out×r];
 * a missing, misshaped or unexpected tensor, or a configuration lorapar cannot reproduce
 * ({@link PeftAdapterConfig#read}), is a {@link CheckpointException} naming the file and key. For weights in the
 * adjacent-pairs RoPE layout the q_proj / k_proj lora_B rows are moved back from the Hugging Face layout
 * (the inverse of {@link PeftExport}). F32 export → import is exact, PiSSA / OLoRA adapters included.
 */
public final class PeftImport {
    private PeftImport() {
    }

    /**
     * Reads {@code dir} into an adapter for {@code weights} on the stream's device (the caller owns the result). A folder
     * with {@link ResidualInitFile} (a PiSSA / OLoRA adapter lorapar converted) becomes that adapter again: A, B, A₀, B₀
     * split back from the rank-2r LoRA and {@code weights} (the original base) rewritten to W − scale·B₀·A₀ — so
     * {@code weights} must hold no other adapter's residual; close it after {@link LoraAdapter#restoreBase}.
     */
    public static ImportedAdapter read(Path dir, LlamaWeights weights, Stream stream) {
        return read(dir, weights, stream, true);
    }

    /**
     * Reads {@code dir} as the plain LoRA PEFT sees, ignoring {@link ResidualInitFile}: a converted PiSSA / OLoRA adapter
     * stays the rank-2r LoRA on the unchanged original weights (same outputs, base untouched, so other adapters can share
     * the weights). Masks are not set on such an adapter (they describe the rank-r factors).
     */
    public static ImportedAdapter readPlain(Path dir, LlamaWeights weights, Stream stream) {
        return read(dir, weights, stream, false);
    }

    private static ImportedAdapter read(Path dir, LlamaWeights weights, Stream stream, boolean rebuildResidual) {
        Objects.requireNonNull(weights, "weights");
        if (!Files.isDirectory(dir)) throw new CheckpointException(dir, "is not a PEFT adapter folder");
        Path configFile = dir.resolve(PeftNames.CONFIG), weightsFile = dir.resolve(PeftNames.WEIGHTS);
        if (!Files.isRegularFile(configFile)) throw new CheckpointException(dir, "has no " + PeftNames.CONFIG);
        if (!Files.isRegularFile(weightsFile)) {
            throw new CheckpointException(dir, "has no " + PeftNames.WEIGHTS + (Files.exists(dir.resolve(PeftNames.PICKLED_WEIGHTS))
                    ? " (" + PeftNames.PICKLED_WEIGHTS + " is a pickle, not read by lorapar: re-save the adapter with "
                    + "safe_serialization=True)" : ""));
        }
        PeftAdapterConfig config = PeftAdapterConfig.read(configFile);
        ResidualInitFile residual = ResidualInitFile.readIn(dir);
        if (residual != null) residual.checkConverted(dir, config);
        boolean split = residual != null && rebuildResidual;
        LoraConfig loraConfig = split ? residual.toLoraConfig(config) : config.toLoraConfig();
        LlamaConfig c = weights.config();
        try (Arena arena = Arena.ofShared()) {
            Map<String, WeightTensor> tensors = SafetensorsFile.read(weightsFile, arena);
            Set<String> used = new HashSet<>();
            for (int layer = 0; layer < c.nLayers(); layer++) {
                for (var t : loraConfig.targets()) {
                    int in = t.inFeatures(c), out = t.outFeatures(c), r = config.rank();
                    used.add(check(weightsFile, tensors, PeftNames.loraA(layer, t), r, in));
                    used.add(check(weightsFile, tensors, PeftNames.loraB(layer, t), out, r));
                }
            }
            for (String name : tensors.keySet()) {
                if (!used.contains(name)) {
                    throw new CheckpointException(weightsFile, name, "is not a tensor of a LoRA adapter with r = "
                            + config.rank() + " on " + loraConfig.targets() + " for a model of " + c.nLayers() + " layers");
                }
            }
            LoraAdapter adapter = LoraAdapter.fromValues(weights, loraConfig, stream, (layer, t) -> {
                float[] a = tensors.get(PeftNames.loraA(layer, t)).toFloats(); // [r'×in]
                float[] b = tensors.get(PeftNames.loraB(layer, t)).toFloats(); // [out×r']
                if (RopeRows.moves(c, t)) b = RopeRows.fromHf(b, config.rank(), c.headDim());
                return split ? splitConverted(a, b, t.outFeatures(c), residual.rank()) : new LoraAdapter.PairValues(a, b, null, null);
            });
            List<Tensor> masks = List.of();
            try {
                if (split || residual == null) masks = MaskFiles.read(dir, adapter, stream);
                return new ImportedAdapter(adapter, config, masks);
            } catch (RuntimeException e) {
                adapter.restoreBase(stream);
                adapter.close();
                throw e;
            }
        }
    }

    /** A, B, A₀, B₀ from A' = [A; A₀] [2r×in] and B' = [B, −B₀] [out×2r] (the inverse of {@link PeftExport}). */
    private static LoraAdapter.PairValues splitConverted(float[] a2, float[] b2, int out, int r) {
        int half = a2.length / 2;
        float[] a = Arrays.copyOfRange(a2, 0, half), a0 = Arrays.copyOfRange(a2, half, a2.length); // [r×in] each
        float[] b = new float[out * r], b0 = new float[out * r]; // [out×r] each
        for (int row = 0; row < out; row++) {
            System.arraycopy(b2, row * 2 * r, b, row * r, r);
            for (int k = 0; k < r; k++) {
                b0[row * r + k] = -b2[row * 2 * r + r + k];
            }
        }
        return new LoraAdapter.PairValues(a, b, a0, b0);
    }

    /** Checks that {@code name} is in the file with shape [rows, cols]; returns the name. */
    private static String check(Path file, Map<String, WeightTensor> tensors, String name, long rows, long cols) {
        WeightTensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(file, name, "is missing (expected shape [" + rows + ", " + cols + "])");
        }
        if (!Arrays.equals(t.shape(), new long[] {rows, cols})) {
            throw new CheckpointException(file, name, "has shape " + Arrays.toString(t.shape()) + ", expected ["
                    + rows + ", " + cols + "]");
        }
        return name;
    }
}

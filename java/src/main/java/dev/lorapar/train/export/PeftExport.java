package dev.lorapar.train.export;

import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a {@link LoraAdapter} as a PEFT adapter folder that {@code peft.PeftModel.from_pretrained(model, dir)} loads
 * onto the Hugging Face LlamaForCausalLM of the same base weights:
 * <ul>
 *   <li>{@code adapter_config.json} ({@link PeftAdapterConfig#json}): peft_type LORA, task_type CAUSAL_LM, r,
 *       lora_alpha, target_modules, base_model_name_or_path, …;</li>
 *   <li>{@code adapter_model.safetensors}: per layer and target {@code base_model.model.model.layers.{i}.{module}.lora_A.weight}
 *       [r×in] and {@code ….lora_B.weight} [out×r] in F32 or BF16, {@code __metadata__ {"format": "pt"}};</li>
 *   <li>when any pair has masks, {@code lorapar_masks.safetensors} + {@code lorapar_masks.json} ({@link MaskFiles}).</li>
 * </ul>
 * What PEFT computes equals lorapar's forward: in {@link MaskMode#FORWARD} mode A⊙maskA and B⊙maskB are written
 * (PEFT knows no masks); for a model loaded in the adjacent-pairs RoPE layout (llama2.c, GGUF) the rows of q_proj /
 * k_proj lora_B are moved to the rotate-half layout of the Hugging Face base (that of {@link MergedModelExport} of the
 * same weights). PiSSA / OLoRA adapters are refused (their B₀·A₀ lives in lorapar's base weights; export the merged
 * model instead).
 */
public final class PeftExport {
    private PeftExport() {
    }

    /**
     * @param baseModelNameOrPath written as base_model_name_or_path (a hub id or folder; null allowed)
     * @param dtype               the element type of lora_A / lora_B
     */
    public record Options(String baseModelNameOrPath, ExportDType dtype) {
        public Options {
            Objects.requireNonNull(dtype, "export dtype");
        }

        /** F32 (exact) with the given base model name. */
        public static Options of(String baseModelNameOrPath) {
            return new Options(baseModelNameOrPath, ExportDType.F32);
        }

        public Options withDType(ExportDType newDType) {
            return new Options(baseModelNameOrPath, newDType);
        }
    }

    /** What was written. */
    public record Written(Path dir, int tensors, long dataBytes, boolean masks) {
    }

    /**
     * Writes {@code adapter} into {@code dir} (created when missing; the files named above are replaced, each
     * atomically).
     *
     * @throws IllegalArgumentException for a PiSSA / OLoRA adapter
     */
    public static Written write(LoraAdapter adapter, Stream stream, Path dir, Options options) throws IOException {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(options, "options");
        if (adapter.config().init().residualizesBase()) {
            throw new IllegalArgumentException("PEFT export: a " + adapter.config().init() + " adapter keeps B₀·A₀ in "
                    + "lorapar's base weights, which a PEFT adapter for the original model cannot express here; "
                    + "export the merged model (MergedModelExport) instead");
        }
        Files.createDirectories(dir);
        LlamaConfig c = adapter.weights().config();
        boolean masked = adapter.maskMode() == MaskMode.FORWARD;
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (LoraPair p : adapter.pairs()) {
            int r = adapter.config().rank();
            int in = p.target().inFeatures(c), out = p.target().outFeatures(c);
            entries.add(new SafetensorsWriter.Entry(PeftNames.loraA(p.layer(), p.target()),
                    options.dtype().safetensorsName(), new long[] {r, in}, sink -> {
                        float[] a = values(p.a(), masked ? p.maskA() : null, stream); // [r×in]
                        sink.putFloats(options.dtype(), a, 0, a.length);
                    }));
            entries.add(new SafetensorsWriter.Entry(PeftNames.loraB(p.layer(), p.target()),
                    options.dtype().safetensorsName(), new long[] {out, r}, sink -> {
                        float[] b = values(p.b(), masked ? p.maskB() : null, stream); // [out×r]
                        if (RopeRows.moves(c, p.target())) b = RopeRows.toHf(b, r, c.headDim());
                        sink.putFloats(options.dtype(), b, 0, b.length);
                    }));
        }
        long bytes = SafetensorsWriter.write(dir.resolve(PeftNames.WEIGHTS), Map.of("format", "pt"), entries);
        AtomicFiles.writeString(dir.resolve(PeftNames.CONFIG),
                PeftAdapterConfig.json(adapter.config(), options.baseModelNameOrPath()));
        boolean masks = MaskFiles.write(adapter, stream, dir, masked);
        return new Written(dir, entries.size(), bytes, masks);
    }

    /** The values of {@code param} on the host, zero where {@code mask} (nullable) is 0. */
    private static float[] values(Tensor param, Tensor mask, Stream stream) {
        float[] v = param.toFloatArray(stream);
        if (mask != null) {
            byte[] m = mask.toByteArray(stream);
            for (int i = 0; i < v.length; i++) {
                if (m[i] == 0) v[i] = 0f;
            }
        }
        return v;
    }
}

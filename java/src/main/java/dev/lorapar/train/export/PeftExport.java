package dev.lorapar.train.export;

import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
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
 * same weights).
 *
 * <p>A PiSSA / OLoRA adapter (its base holds W − s·B₀·A₀) is written as PEFT converts one
 * ({@code save_pretrained(..., path_initial_model_for_weight_conversion=...)}): a plain LoRA for the ORIGINAL base with
 * W + s·(B·A − B₀·A₀) = W + s'·B'·A', A' = [A; A₀] [2r×in], B' = [B, −B₀] [out×2r], r' = 2r and lora_alpha' = 2·lora_alpha
 * (PEFT's scale is lora_alpha/r, so s' = s), plus {@link ResidualInitFile} naming r, alpha and init so that
 * {@link PeftImport} rebuilds the PiSSA / OLoRA adapter. The masks keep describing the trained A [r×in], B [out×r].
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
     */
    public static Written write(LoraAdapter adapter, Stream stream, Path dir, Options options) throws IOException {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(options, "options");
        Files.createDirectories(dir);
        LlamaConfig c = adapter.weights().config();
        boolean masked = adapter.maskMode() == MaskMode.FORWARD;
        boolean residual = adapter.config().init().residualizesBase();
        int r = adapter.config().rank(), rOut = residual ? 2 * r : r; // rOut: the rank of the written LoRA
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (LoraPair p : adapter.pairs()) {
            int in = p.target().inFeatures(c), out = p.target().outFeatures(c);
            LoraPair initial = residual ? adapter.initialPair(p.layer(), p.target()) : null;
            entries.add(new SafetensorsWriter.Entry(PeftNames.loraA(p.layer(), p.target()),
                    options.dtype().safetensorsName(), new long[] {rOut, in}, sink -> {
                        float[] a = values(p.a(), masked ? p.maskA() : null, stream); // [r×in]
                        if (initial != null) a = stackRows(a, initial.a().toFloatArray(stream)); // [2r×in] = [A; A₀]
                        sink.putFloats(options.dtype(), a, 0, a.length);
                    }));
            entries.add(new SafetensorsWriter.Entry(PeftNames.loraB(p.layer(), p.target()),
                    options.dtype().safetensorsName(), new long[] {out, rOut}, sink -> {
                        float[] b = values(p.b(), masked ? p.maskB() : null, stream); // [out×r]
                        if (initial != null) {
                            b = joinColumns(b, initial.b().toFloatArray(stream), out, r); // [out×2r] = [B, −B₀]
                        }
                        if (RopeRows.moves(c, p.target())) b = RopeRows.toHf(b, rOut, c.headDim());
                        sink.putFloats(options.dtype(), b, 0, b.length);
                    }));
        }
        long bytes = SafetensorsWriter.write(dir.resolve(PeftNames.WEIGHTS), Map.of("format", "pt"), entries);
        LoraConfig written = residual ? new LoraConfig(rOut, 2 * adapter.config().alpha(), adapter.config().targets(),
                new LoraInit.PeftDefault(), adapter.config().seed()) : adapter.config();
        AtomicFiles.writeString(dir.resolve(PeftNames.CONFIG), PeftAdapterConfig.json(written, options.baseModelNameOrPath()));
        if (residual) {
            ResidualInitFile.of(adapter.config()).write(dir);
        } else {
            ResidualInitFile.deleteIn(dir);
        }
        boolean masks = MaskFiles.write(adapter, stream, dir, masked);
        return new Written(dir, entries.size(), bytes, masks);
    }

    /** [top; bottom]: the rows of {@code bottom} after those of {@code top} (same column count). */
    private static float[] stackRows(float[] top, float[] bottom) {
        float[] out = new float[top.length + bottom.length];
        System.arraycopy(top, 0, out, 0, top.length);
        System.arraycopy(bottom, 0, out, top.length, bottom.length);
        return out;
    }

    /** [b, −b0] [out×2r] from b [out×r] and b0 [out×r]. */
    static float[] joinColumns(float[] b, float[] b0, int out, int r) {
        float[] joined = new float[out * 2 * r];
        for (int row = 0; row < out; row++) {
            System.arraycopy(b, row * r, joined, row * 2 * r, r);
            for (int k = 0; k < r; k++) {
                joined[row * 2 * r + r + k] = -b0[row * r + k];
            }
        }
        return joined;
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

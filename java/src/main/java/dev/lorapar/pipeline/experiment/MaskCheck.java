package dev.lorapar.pipeline.experiment;

import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.train.export.MaskFiles;
import dev.lorapar.train.export.PeftNames;
import dev.lorapar.train.export.ResidualInitFile;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Checks that a training stage honoured its mask: every element the mask leaves out is bit-identical in the adapter
 * after the stage to its value before (both PEFT folders as written, compared in their stored bits), and counts how
 * many active elements moved. For a PiSSA / OLoRA adapter written as the rank-2r LoRA of the original base
 * ({@link ResidualInitFile}: lora_A = [A; A₀] [2r×in], lora_B = [B, −B₀] [out×2r]) only the trained A, B parts are
 * LoRA elements under the mask; every element of the A₀ / B₀ halves must be bit-identical (a change counts as a
 * violation).
 */
public final class MaskCheck {
    /**
     * elements = all trained LoRA elements; active = in the mask; violations = inactive elements (or elements of the
     * initial A₀ / B₀ halves) that changed.
     */
    public record Result(long elements, long active, long activeMoved, long violations) {
    }

    private MaskCheck() {
    }

    /** {@code masks} = a folder of lorapar mask files, or null (every trained element active). */
    public static Result compare(Path before, Path after, Path masks) {
        Map<String, MaskFiles.MatrixMask> maskByName = masks == null ? Map.of() : MaskFiles.readAll(masks);
        ResidualInitFile residual = ResidualInitFile.readIn(before);
        if (!Objects.equals(residual, ResidualInitFile.readIn(after))) {
            throw new IllegalArgumentException(after + " and " + before + " describe different adapters in "
                    + PeftNames.RESIDUAL_INIT + " (" + ResidualInitFile.readIn(after) + " vs " + residual + ")");
        }
        int rank = residual == null ? 0 : residual.rank(); // 0: a plain LoRA, every element trained
        long elements = 0, active = 0, moved = 0, violations = 0;
        try (Arena arena = Arena.ofConfined()) {
            Map<String, WeightTensor> b = SafetensorsFile.read(before.resolve(PeftNames.WEIGHTS), arena);
            Map<String, WeightTensor> a = SafetensorsFile.read(after.resolve(PeftNames.WEIGHTS), arena);
            if (!b.keySet().equals(a.keySet())) {
                throw new IllegalArgumentException(after + " holds other matrices than " + before);
            }
            for (Map.Entry<String, WeightTensor> e : b.entrySet()) {
                float[] x = e.getValue().toFloats(), y = a.get(e.getKey()).toFloats(); // [rows×cols]
                MaskFiles.MatrixMask m = maskByName.get(e.getKey().replaceFirst("\\.weight$", ".mask"));
                if (masks != null && m == null) {
                    throw new IllegalArgumentException(masks + " has no mask for " + e.getKey());
                }
                boolean isB = e.getKey().endsWith(".lora_B.weight");
                int rows = (int) e.getValue().shape()[0], cols = (int) e.getValue().shape()[1];
                long trained = rank == 0 ? x.length : (long) (isB ? rows : rank) * (isB ? rank : cols);
                if (m != null && m.values().length != trained) {
                    throw new IllegalArgumentException(masks + ": the mask of " + e.getKey() + " has " + m.values().length
                            + " elements, the trained matrix " + trained);
                }
                for (int i = 0; i < x.length; i++) {
                    boolean same = Float.floatToRawIntBits(x[i]) == Float.floatToRawIntBits(y[i]);
                    int row = i / cols, col = i % cols;
                    if (rank > 0 && (isB ? col >= rank : row >= rank)) { // the A₀ rows / −B₀ columns
                        violations += same ? 0 : 1;
                        continue;
                    }
                    int maskIndex = rank > 0 && isB ? row * rank + col : i; // the mask is of the trained [out×r] B
                    elements++;
                    if (m == null || m.values()[maskIndex] != 0) {
                        active++;
                        moved += same ? 0 : 1;
                    } else if (!same) {
                        violations++;
                    }
                }
            }
        }
        return new Result(elements, active, moved, violations);
    }
}

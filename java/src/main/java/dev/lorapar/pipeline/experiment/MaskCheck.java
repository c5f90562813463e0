package dev.lorapar.pipeline.experiment;

import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.train.export.MaskFiles;
import dev.lorapar.train.export.PeftNames;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks that a training stage honoured its mask: every element the mask leaves out is bit-identical in the adapter
 * after the stage to its value before (both PEFT folders as written, compared in their stored bits), and counts how
 * many active elements moved.
 */
public final class MaskCheck {
    /** elements = all LoRA elements; active = in the mask; violations = inactive elements that changed. */
    public record Result(long elements, long active, long activeMoved, long violations) {
    }

    private MaskCheck() {
    }

    /** {@code masks} = a folder of lorapar mask files, or null (every element active: nothing can violate). */
    public static Result compare(Path before, Path after, Path masks) {
        Map<String, MaskFiles.MatrixMask> maskByName = masks == null ? Map.of() : MaskFiles.readAll(masks);
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
                for (int i = 0; i < x.length; i++) {
                    boolean same = Float.floatToRawIntBits(x[i]) == Float.floatToRawIntBits(y[i]);
                    if (m == null || m.values()[i] != 0) {
                        active++;
                        moved += same ? 0 : 1;
                    } else if (!same) {
                        violations++;
                    }
                }
                elements += x.length;
            }
        }
        return new Result(elements, active, moved, violations);
    }
}

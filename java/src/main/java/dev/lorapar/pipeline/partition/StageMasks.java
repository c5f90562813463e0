package dev.lorapar.pipeline.partition;

import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.pipeline.score.ImportanceMatrix;
import dev.lorapar.train.export.MaskFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A stage mask on disk, in the adapter mask format of {@link MaskFiles} ({@code lorapar_masks.safetensors}: one
 * bit-packed U8 tensor per matrix named {@code ….lora_A.mask} / {@code ….lora_B.mask}, rows as in a PEFT adapter;
 * {@code lorapar_masks.json}: mode GRADIENT, shapes and active counts), one folder per stage. SFT and GRPO load one
 * onto their adapter with {@link #apply}.
 */
public final class StageMasks {
    private StageMasks() {
    }

    /** Writes the flat mask [n] (laid out as {@code matrices}) into {@code dir}. */
    public static void write(Path dir, List<ImportanceMatrix> matrices, byte[] flat) throws IOException {
        List<MaskFiles.MatrixMask> masks = new ArrayList<>();
        for (ImportanceMatrix m : matrices) {
            byte[] values = Arrays.copyOfRange(flat, (int) m.offset(), (int) (m.offset() + m.elements()));
            masks.add(new MaskFiles.MatrixMask(m.maskName(), m.rows(), m.cols(), values));
        }
        MaskFiles.write(dir, masks, MaskMode.GRADIENT, "none: these masks come from lorapar partition, before training");
    }

    /** The flat mask [n] in {@code dir}, laid out as {@code matrices}; IllegalArgumentException when it does not fit. */
    public static byte[] read(Path dir, List<ImportanceMatrix> matrices) {
        Map<String, MaskFiles.MatrixMask> stored = MaskFiles.readAll(dir);
        long n = matrices.isEmpty() ? 0 : matrices.getLast().offset() + matrices.getLast().elements();
        byte[] flat = new byte[(int) n];
        for (ImportanceMatrix m : matrices) {
            MaskFiles.MatrixMask mm = stored.get(m.maskName());
            if (mm == null || mm.rows() != m.rows() || mm.cols() != m.cols()) {
                throw new IllegalArgumentException(dir + ": no mask " + m.maskName() + " [" + m.rows() + "×" + m.cols() + "]");
            }
            System.arraycopy(mm.values(), 0, flat, (int) m.offset(), mm.values().length);
        }
        if (stored.size() != matrices.size()) {
            throw new IllegalArgumentException(dir + ": " + stored.size() + " masks, expected " + matrices.size());
        }
        return flat;
    }

    /**
     * Sets the masks in {@code dir} on {@code adapter} (GRADIENT mode: they gate the gradients); returns the mask
     * tensors made, which the caller owns and closes after the adapter's last use.
     */
    public static List<Tensor> apply(Path dir, LoraAdapter adapter, Stream stream) {
        return MaskFiles.read(dir, adapter, stream);
    }
}

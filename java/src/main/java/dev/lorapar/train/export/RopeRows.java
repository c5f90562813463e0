package dev.lorapar.train.export;

import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.RopeStyle;

/**
 * Moves the output rows of q_proj / k_proj (and of their LoRA B and B-mask) between lorapar's in-memory RoPE layout
 * and the rotate-half layout of Hugging Face checkpoints: for a {@link RopeStyle#ADJACENT_PAIRS} model (llama2.c,
 * GGUF), row {@code h·d + 2i + j} goes to {@code h·d + j·d/2 + i} ({@link RopeStyle#rotateHalfRow}) on export and
 * back on import; for a rotate-half model nothing moves. A, v, o, the MLP and the norms never move.
 */
public final class RopeRows {
    private RopeRows() {
    }

    /** True when the rows of {@code target}'s output must move for this model. */
    public static boolean moves(LlamaConfig config, LoraTarget target) {
        return config.ropeStyle() == RopeStyle.ADJACENT_PAIRS && (target == LoraTarget.Q || target == LoraTarget.K);
    }

    /** The matrix [rows×cols] in HF layout: row r of {@code m} (adjacent pairs) lands at rotateHalfRow(r). */
    public static float[] toHf(float[] m, int cols, int headDim) {
        float[] out = new float[m.length];
        for (int r = 0; r < m.length / cols; r++) {
            System.arraycopy(m, r * cols, out, RopeStyle.rotateHalfRow(r, headDim) * cols, cols);
        }
        return out;
    }

    /** The inverse of {@link #toHf}: row rotateHalfRow(r) of {@code m} (HF layout) lands at r. */
    public static float[] fromHf(float[] m, int cols, int headDim) {
        float[] out = new float[m.length];
        for (int r = 0; r < m.length / cols; r++) {
            System.arraycopy(m, RopeStyle.rotateHalfRow(r, headDim) * cols, out, r * cols, cols);
        }
        return out;
    }

    /** {@link #toHf} for a U8 mask [rows×cols]. */
    static byte[] toHf(byte[] m, int cols, int headDim) {
        byte[] out = new byte[m.length];
        for (int r = 0; r < m.length / cols; r++) {
            System.arraycopy(m, r * cols, out, RopeStyle.rotateHalfRow(r, headDim) * cols, cols);
        }
        return out;
    }

    /** {@link #fromHf} for a U8 mask [rows×cols]. */
    static byte[] fromHf(byte[] m, int cols, int headDim) {
        byte[] out = new byte[m.length];
        for (int r = 0; r < m.length / cols; r++) {
            System.arraycopy(m, RopeStyle.rotateHalfRow(r, headDim) * cols, out, r * cols, cols);
        }
        return out;
    }
}

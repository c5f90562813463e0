package dev.lorapar.tests.oracle;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Converts an ADJACENT_PAIRS model into the ROTATE_HALF model computing the same function. Within each head
 * of size d, pair i sits at (2i, 2i+1) in one layout and at (i, i + d/2) in the other, so moving output row
 * h·d + 2i + j of q_proj and k_proj to row h·d + j·d/2 + i (j ∈ {0, 1}) makes rotate-half RoPE rotate exactly
 * the values adjacent-pairs RoPE rotated; q and k move alike, so every q·k — the attention — is unchanged,
 * and v, o are untouched. The rows of LoRA B (and its mask) of q and k move the same way; A does not.
 */
public final class RopeLayouts {
    private RopeLayouts() {
    }

    /** The ROTATE_HALF equivalent of {@code model} ({@code model} itself when it is ROTATE_HALF already). */
    public static OracleModel toRotateHalf(OracleModel model) {
        OracleConfig c = model.config();
        if (c.rope() == OracleConfig.Rope.ROTATE_HALF) return model;
        Map<String, float[]> weights = new LinkedHashMap<>(model.weights());
        Map<LoraKey, float[]> lora = new LinkedHashMap<>(model.lora());
        Map<LoraKey, byte[]> masks = new LinkedHashMap<>(model.loraMasks());
        for (int l = 0; l < c.nLayers(); l++) {
            for (LoraTarget t : new LoraTarget[] {LoraTarget.Q, LoraTarget.K}) {
                weights.put(t.weightName(l), permuteRows(model.weight(t.weightName(l)), t.in(c), c.headDim()));
                LoraKey b = LoraKey.b(l, t);
                if (lora.containsKey(b)) lora.put(b, permuteRows(lora.get(b), model.loraRank(), c.headDim()));
                if (masks.containsKey(b)) masks.put(b, permuteRows(masks.get(b), model.loraRank(), c.headDim()));
            }
        }
        return new OracleModel(c.withRope(OracleConfig.Rope.ROTATE_HALF), weights, model.loraRank(), model.loraScale(),
                lora, masks);
    }

    /** The rotate-half row of adjacent-pairs row {@code row}: h·d + 2i + j → h·d + j·d/2 + i. */
    public static int rotateHalfRow(int row, int headDim) {
        int head = row / headDim, within = row % headDim;
        return head * headDim + (within % 2) * (headDim / 2) + within / 2;
    }

    /** Matrix [rows×cols] with row r moved to rotateHalfRow(r). */
    static float[] permuteRows(float[] m, int cols, int headDim) {
        float[] out = new float[m.length];
        for (int r = 0; r < m.length / cols; r++) System.arraycopy(m, r * cols, out, rotateHalfRow(r, headDim) * cols, cols);
        return out;
    }

    static byte[] permuteRows(byte[] m, int cols, int headDim) {
        byte[] out = new byte[m.length];
        for (int r = 0; r < m.length / cols; r++) System.arraycopy(m, r * cols, out, rotateHalfRow(r, headDim) * cols, cols);
        return out;
    }
}

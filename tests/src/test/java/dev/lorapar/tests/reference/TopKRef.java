package dev.lorapar.tests.reference;

/** Top-k among candidates (null = all): the first k of the rank order; k > #candidates takes them all. */
public final class TopKRef {
    private TopKRef() {}

    public record Selection(byte[] mask, long count) {}

    public static Selection select(float[] values, byte[] candidates, long k) {
        boolean[] include = new boolean[values.length]; // [n]
        for (int i = 0; i < values.length; i++) include[i] = candidates == null || candidates[i] != 0;
        byte[] mask = new byte[values.length]; // [n]
        long count = 0;
        for (int idx : RankOrder.rank(values, include)) {
            if (count >= k) break;
            mask[idx] = 1;
            count++;
        }
        return new Selection(mask, count);
    }
}

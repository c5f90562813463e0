package dev.lorapar.tests.reference;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Top-mass selection with the exact quantisation of lorapar.h, re-done in arbitrary precision:
 * max = f·2^em (f ∈ [0.5, 1), em = 0 when max = 0), en = ⌈log2 n⌉, s = 62 − em − en,
 * q_i = ⌊v_i·2^s⌋, Q = Σ q_i, T = ⌈theta·Q⌉ (theta's exact binary value). Rank order, then the
 * shortest prefix whose Σ q reaches T (the crossing element included); T = 0 selects nothing.
 */
public final class TopMassRef {
    private TopMassRef() {}

    /** mask [n] (1 selected, 0 not) and the count. */
    public record Selection(byte[] mask, long count, int shift, BigInteger total, BigInteger target) {}

    public static Selection select(float[] importance, double theta) {
        int n = importance.length;
        float max = 0;
        for (float v : importance) if (v > max) max = v;
        int em = 0;
        if (max > 0) {
            // the exponent em with 2^(em−1) ≤ max < 2^em, found by exact comparison with powers of two
            BigDecimal mx = new BigDecimal(max);
            em = Math.getExponent((double) max) + 1;
            if (mx.compareTo(pow2(em - 1)) < 0 || mx.compareTo(pow2(em)) >= 0) {
                throw new AssertionError("reference: exponent of " + max + " miscomputed");
            }
        }
        int en = 0;
        while (BigInteger.ONE.shiftLeft(en).compareTo(BigInteger.valueOf(n)) < 0) en++;
        int s = 62 - em - en;
        BigDecimal scale = pow2(s);
        BigInteger[] q = new BigInteger[n];
        BigInteger total = BigInteger.ZERO;
        for (int i = 0; i < n; i++) {
            q[i] = new BigDecimal(importance[i]).multiply(scale).setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
            total = total.add(q[i]);
        }
        if (total.bitLength() > 62) throw new AssertionError("reference: Q ≥ 2^62 contradicts lorapar.h");
        BigInteger target = new BigDecimal(theta).multiply(new BigDecimal(total))
                .setScale(0, RoundingMode.CEILING).toBigIntegerExact();
        byte[] mask = new byte[n]; // [n]
        long count = 0;
        if (target.signum() > 0) {
            BigInteger sum = BigInteger.ZERO;
            for (int idx : RankOrder.rank(importance, null)) {
                mask[idx] = 1;
                count++;
                sum = sum.add(q[idx]);
                if (sum.compareTo(target) >= 0) break;
            }
        }
        return new Selection(mask, count, s, total, target);
    }

    /** 2^e exactly (e may be negative). */
    static BigDecimal pow2(int e) {
        return e >= 0 ? new BigDecimal(BigInteger.ONE.shiftLeft(e))
                : BigDecimal.ONE.divide(new BigDecimal(BigInteger.ONE.shiftLeft(-e)));
    }
}

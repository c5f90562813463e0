package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lorapar.core.Device;
import dev.lorapar.tests.cases.Selections;
import dev.lorapar.tests.reference.PartitionRef;
import dev.lorapar.tests.reference.TopMassRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.Rng.MaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * partitionMasks on the CPU: stage masks, regions and counts EXACTLY equal to the reference, with
 * α/β sub-selections of the shared set. α and β are dyadic (k/64) or 0/1 so ⌊α·|shared|⌋ is the
 * same whether computed in double or exactly (the ABI does not say which).
 */
class PartitionTest {
    static final double[] FRACTIONS = {0.0, 1.0, 0.5, 0.25, 0.75, 1.0 / 64, 63.0 / 64, 37.0 / 64};

    static void check(byte[] set1, byte[] set2, float[] imp1, float[] imp2, double alpha, double beta, boolean region,
                      Rng rng, String what) {
        PartitionRef.Partition ref = PartitionRef.partition(set1, set2, imp1, imp2, alpha, beta);
        Selections.Parted got = Selections.partition(Device.CPU, set1, set2, imp1, imp2, alpha, beta, region);
        String ctx = what + " n=" + set1.length + " alpha=" + alpha + " beta=" + beta + " " + rng.tag();
        Numerics.assertMaskWritten("stage1", got.stage1(), ctx);
        Numerics.assertMaskWritten("stage2", got.stage2(), ctx);
        Numerics.assertMaskEquals("stage1", ref.stage1(), got.stage1(), ctx);
        Numerics.assertMaskEquals("stage2", ref.stage2(), got.stage2(), ctx);
        if (region) Numerics.assertMaskEquals("region", ref.region(), got.region(), ctx);
        else assertNull(got.region());
        assertArrayEquals(ref.counts(), got.counts(), "counts |s1only|,|s2only|,|shared|,|stage1|,|stage2| " + ctx);
    }

    /** Sets from top-mass selection of two correlated importance vectors, as in the method. */
    @Test
    void fromTopMassSets(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : new int[] {1, 7, 127, 4099}) {
            float[] imp1 = Selections.randomImportance(n, rng), imp2 = Selections.randomImportance(n, rng);
            for (int i = 0; i < n; i++) if (rng.nextInt(3) == 0) imp2[i] = imp1[i] * 1.5f; // overlap
            for (double theta : new double[] {0.5, 0.9}) {
                byte[] set1 = TopMassRef.select(imp1, theta).mask(), set2 = TopMassRef.select(imp2, theta).mask();
                for (double alpha : FRACTIONS) {
                    double beta = FRACTIONS[rng.nextInt(FRACTIONS.length)];
                    check(set1, set2, imp1, imp2, alpha, beta, rng.nextBoolean(), rng, "top-mass theta=" + theta);
                }
            }
        }
    }

    /** Random sets whose active bytes vary (1, 0x80, 0xFF, …: any non-zero is "in"). */
    @Test
    void randomSets(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : Numerics.ODD_SIZES) {
            for (MaskKind k1 : MaskKind.values())
                for (MaskKind k2 : MaskKind.values()) {
                    byte[] set1 = rng.mask(n, k1), set2 = rng.mask(n, k2);
                    float[] imp1 = Selections.randomImportance(n, rng), imp2 = Selections.randomImportance(n, rng);
                    check(set1, set2, imp1, imp2, FRACTIONS[rng.nextInt(FRACTIONS.length)],
                            FRACTIONS[rng.nextInt(FRACTIONS.length)], true, rng, k1 + "/" + k2);
                }
        }
    }

    /** All shared with tied importances (index order decides), disjoint sets, identical sets, n = 0 and 1. */
    @Test
    void adversarial(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (String kind : new String[] {"ties", "zeros", "signed-zeros", "ulp-ties", "huge", "denormals"}) {
            int n = 131;
            float[] imp1 = Selections.adversarial(kind, n, rng), imp2 = Selections.adversarial(kind, n, rng);
            byte[] all = rng.mask(n, MaskKind.FULL);
            for (double f : FRACTIONS) check(all, all, imp1, imp2, f, 1 - f, true, rng, kind + " all shared");
        }
        int n = 64;
        byte[] even = new byte[n], odd = new byte[n];
        for (int i = 0; i < n; i++) { if (i % 2 == 0) even[i] = 1; else odd[i] = (byte) 0xFF; }
        float[] imp = Selections.randomImportance(n, rng);
        check(even, odd, imp, imp, 1, 1, true, rng, "disjoint");
        check(even, even, imp, imp, 0.5, 0.25, true, rng, "identical");
        check(new byte[n], new byte[n], imp, imp, 1, 1, true, rng, "both empty");
        check(new byte[0], new byte[0], new float[0], new float[0], 1, 1, true, rng, "n=0");
        check(new byte[] {1}, new byte[] {1}, new float[] {1}, new float[] {2}, 0.5, 1, true, rng, "n=1 shared");
        check(new byte[] {1}, new byte[] {0}, new float[] {1}, new float[] {2}, 1, 1, false, rng, "n=1 s1-only");
    }
}

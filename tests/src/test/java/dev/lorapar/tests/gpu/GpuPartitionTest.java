package dev.lorapar.tests.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.Device;
import dev.lorapar.tests.cases.Selections;
import dev.lorapar.tests.reference.PartitionRef;
import dev.lorapar.tests.reference.TopKRef;
import dev.lorapar.tests.reference.TopMassRef;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.Rng.MaskKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Selection on CUDA: exactly the same sets as the CPU and the reference (top-mass, top-k, partition). */
@Tag("gpu")
class GpuPartitionTest {
    static final double[] THETAS = {0.0, Double.MIN_VALUE, 0.5, 0.9, Math.nextDown(1.0), 1.0};

    @BeforeEach
    void requireCuda() { Backends.assumeCuda(); }

    static void topMassSame(float[] imp, double theta, Rng rng, String what, boolean withReference) {
        String ctx = what + " n=" + imp.length + " theta=" + theta + " " + rng.tag();
        Selections.Selected gpu = Selections.topMass(Backends.gpu(), imp, theta);
        Selections.Selected cpu = Selections.topMass(Device.CPU, imp, theta);
        Numerics.assertMaskWritten("cuda mask", gpu.mask(), ctx);
        Numerics.assertMaskEquals("cuda vs cpu mask", cpu.mask(), gpu.mask(), ctx);
        assertEquals(cpu.count(), gpu.count(), "count " + ctx);
        if (withReference) {
            TopMassRef.Selection ref = TopMassRef.select(imp, theta);
            Numerics.assertMaskEquals("cuda vs reference mask", ref.mask(), gpu.mask(), ctx);
            assertEquals(ref.count(), gpu.count(), "count vs reference " + ctx);
        }
    }

    @Test
    void topMassAdversarial(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (String kind : Selections.ADVERSARIAL)
            for (int n : new int[] {1, 7, 127, 4099})
                for (double theta : THETAS) topMassSame(Selections.adversarial(kind, n, rng), theta, rng, kind, true);
        topMassSame(new float[0], 0.9, rng, "n=0", true);
    }

    /** The size of a LLaMA-2-7B QKVGUD r=8 adapter set is 17.9 M; 2^21 + 3 keeps the reference affordable. */
    @Test
    void topMassLarge(TestInfo info) {
        Rng rng = Rng.forTest(info);
        float[] imp = Selections.randomImportance((1 << 21) + 3, rng);
        topMassSame(imp, 0.9, rng, "random large", true);
        topMassSame(imp, rng.nextDouble(), rng, "random large", false);
        float[] coarse = new float[(1 << 20) + 7];
        for (int i = 0; i < coarse.length; i++) coarse[i] = rng.pick(0, 1, 2, 3) * 0.5f;
        for (double theta : THETAS) topMassSame(coarse, theta, rng, "large coarse ties", false);
    }

    @Test
    void topKSame(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : new int[] {1, 13, 127, 4099, 100_003}) {
            float[] v = rng.uniform(n, -1, 1);
            for (int i = 0; i < n; i += 5) v[i] = (i % 10 == 0) ? -0.0f : 0.0f; // ±0 ties
            for (MaskKind kind : new MaskKind[] {null, MaskKind.RANDOM, MaskKind.EMPTY}) {
                byte[] cand = kind == null ? null : rng.mask(n, kind);
                for (long k : new long[] {0, 1, n / 3, n, n + 1L}) {
                    String ctx = "n=" + n + " k=" + k + " " + kind + " " + rng.tag();
                    Selections.Selected gpu = Selections.topK(Backends.gpu(), v, cand, k);
                    TopKRef.Selection ref = TopKRef.select(v, cand, k);
                    Numerics.assertMaskWritten("cuda mask", gpu.mask(), ctx);
                    Numerics.assertMaskEquals("cuda vs reference", ref.mask(), gpu.mask(), ctx);
                    assertEquals(ref.count(), gpu.count(), ctx);
                }
            }
        }
    }

    @Test
    void partitionSame(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : new int[] {1, 127, 4099, 262_147}) {
            float[] imp1 = Selections.randomImportance(n, rng), imp2 = Selections.randomImportance(n, rng);
            for (int i = 0; i < n; i += 3) imp2[i] = imp1[i];
            byte[] set1 = TopMassRef.select(imp1, 0.9).mask(), set2 = TopMassRef.select(imp2, 0.9).mask();
            for (double[] ab : new double[][] {{1, 1}, {0, 0}, {0.5, 0.25}, {37.0 / 64, 63.0 / 64}}) {
                String ctx = "n=" + n + " alpha=" + ab[0] + " beta=" + ab[1] + " " + rng.tag();
                Selections.Parted gpu = Selections.partition(Backends.gpu(), set1, set2, imp1, imp2, ab[0], ab[1], true);
                PartitionRef.Partition ref = PartitionRef.partition(set1, set2, imp1, imp2, ab[0], ab[1]);
                Numerics.assertMaskEquals("stage1", ref.stage1(), gpu.stage1(), ctx);
                Numerics.assertMaskEquals("stage2", ref.stage2(), gpu.stage2(), ctx);
                Numerics.assertMaskEquals("region", ref.region(), gpu.region(), ctx);
                assertArrayEquals(ref.counts(), gpu.counts(), ctx);
            }
        }
        float[] ties = Selections.adversarial("ties", 131, rng);
        byte[] all = rng.mask(131, MaskKind.FULL);
        Selections.Parted gpu = Selections.partition(Backends.gpu(), all, all, ties, ties, 0.5, 0.25, true);
        PartitionRef.Partition ref = PartitionRef.partition(all, all, ties, ties, 0.5, 0.25);
        Numerics.assertMaskEquals("stage1 (all ties)", ref.stage1(), gpu.stage1(), rng.tag());
        Numerics.assertMaskEquals("stage2 (all ties)", ref.stage2(), gpu.stage2(), rng.tag());
    }
}

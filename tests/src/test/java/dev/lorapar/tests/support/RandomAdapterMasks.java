package dev.lorapar.tests.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraPair;
import java.util.ArrayList;
import java.util.List;

/**
 * Random GRADIENT-mode masks on every pair of an adapter, with the adapter's values at that moment, so a test can train
 * and then check that every element outside the masks kept its bits. Owns the mask tensors.
 */
public final class RandomAdapterMasks implements AutoCloseable {
    private final List<Tensor> owned = new ArrayList<>();
    private final List<byte[]> masks = new ArrayList<>();   // per matrix, A then B per pair
    private final List<float[]> before = new ArrayList<>(); // the same order

    private RandomAdapterMasks() {
    }

    /** Sets a random mask (Rng.MaskKind.RANDOM) on A and B of every pair and records the current values. */
    public static RandomAdapterMasks set(Rng rng, LoraAdapter adapter, Stream s) {
        RandomAdapterMasks m = new RandomAdapterMasks();
        try {
            for (LoraPair p : adapter.pairs()) {
                byte[] ma = rng.mask((int) p.a().numel(), Rng.MaskKind.RANDOM);
                byte[] mb = rng.mask((int) p.b().numel(), Rng.MaskKind.RANDOM);
                Tensor ta = Tensor.ofBytes(s, ma, p.a().shape()), tb = Tensor.ofBytes(s, mb, p.b().shape());
                m.owned.add(ta);
                m.owned.add(tb);
                adapter.setMasks(p.layer(), p.target(), ta, tb);
                m.masks.add(ma);
                m.masks.add(mb);
                m.before.add(p.a().toFloatArray(s));
                m.before.add(p.b().toFloatArray(s));
            }
            adapter.setMaskMode(MaskMode.GRADIENT);
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Fails when an element outside the masks changed; returns how many elements inside them changed. */
    public long assertOnlyActiveMoved(LoraAdapter adapter, Stream s, String context) {
        int k = 0;
        long moved = 0;
        for (LoraPair p : adapter.pairs()) {
            for (Tensor t : new Tensor[] {p.a(), p.b()}) {
                float[] now = t.toFloatArray(s);
                for (int e = 0; e < now.length; e++) {
                    if (masks.get(k)[e] == 0) {
                        assertEquals(Float.floatToRawIntBits(before.get(k)[e]), Float.floatToRawIntBits(now[e]),
                                p.name() + " element " + e + " is outside the mask but moved " + context);
                    } else if (now[e] != before.get(k)[e]) {
                        moved++;
                    }
                }
                k++;
            }
        }
        return moved;
    }

    @Override
    public void close() {
        owned.forEach(Tensor::close);
    }
}

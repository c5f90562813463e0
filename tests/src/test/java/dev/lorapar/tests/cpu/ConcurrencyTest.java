package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.NativeStatus;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.cases.GemmCase;
import dev.lorapar.tests.cases.LoraCase;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.Rng.MaskKind;
import dev.lorapar.tests.support.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Several Java threads, each with its own CPU stream, run ops at the same time (the OpenMP kernels
 * and per-stream workspaces must not interfere), while another thread keeps failing: each thread's
 * error message (lp_last_error is thread-local) must be its own.
 */
class ConcurrencyTest {

    @Test
    void threadsWithTheirOwnStreamsDoNotInterfere(TestInfo info) throws Exception {
        Rng rng = Rng.forTest(info);
        long baseSeed = rng.seed();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                final int worker = w;
                futures.add(pool.submit(() -> {
                    Rng own = Rng.forTest("ConcurrencyTest worker " + worker + " of seed " + baseSeed);
                    for (int it = 0; it < 15; it++) {
                        GemmCase g = GemmCase.random(own, own.nextBoolean(), own.nextBoolean(), own.pick(Numerics.ODD_SIZES),
                                own.pick(31, 61, 127, 151), own.pick(61, 127, 263), 1, false, 1f, 0f, DType.F32, DType.F32);
                        g.check("C (worker " + worker + ")", g.run(Device.CPU), own.tag());
                        LoraCase l = new LoraCase(own, own.pick(Numerics.ODD_SIZES), own.pick(Numerics.ODD_SIZES),
                                own.pick(Numerics.ODD_SIZES), own.pick(1, 8), DType.F32, MaskMode.FORWARD,
                                MaskKind.RANDOM, MaskKind.RANDOM, 0f);
                        l.checkBackward(l.runBackward(Device.CPU, false, true, true, true), null, false, own.tag());
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                try (TensorScope s = new TensorScope(Device.CPU)) {
                    Tensor bad = s.of(DType.F32, new float[] {1f, -3f}, 2), out = s.poisoned(DType.U8, 2);
                    for (int it = 0; it < 200; it++) {
                        LoraparException e = assertThrows(LoraparException.class, () -> Ops.selectTopMass(s.stream(), bad, 0.5, out));
                        assertEquals(NativeStatus.INVALID_ARGUMENT, e.status());
                        assertEquals("lp_select_top_mass", e.function());
                        assertTrue(e.nativeMessage().contains("lp_select_top_mass"),
                                "another thread's error text leaked in: " + e.nativeMessage());
                    }
                }
                return null;
            }));
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdownNow();
        }
    }
}

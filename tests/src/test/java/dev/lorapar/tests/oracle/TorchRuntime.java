package dev.lorapar.tests.oracle;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * Loads libtorch (the JavaCPP presets extract it to ~/.javacpp/cache on the first run) once per JVM and
 * reports how long that took, so the cost of the oracle shows in the test log.
 */
final class TorchRuntime {
    private static volatile boolean loaded;

    private TorchRuntime() {
    }

    /** Loads libtorch if not yet loaded; idempotent and thread-safe. */
    static void ensureLoaded() {
        if (loaded) return;
        synchronized (TorchRuntime.class) {
            if (loaded) return;
            long start = System.nanoTime();
            Loader.load(torch.class);
            torch.manual_seed(0); // nothing random is drawn by the oracle; fixed anyway
            loaded = true;
            System.out.printf("[oracle] libtorch loaded in %.2f s (%d intra-op threads)%n",
                    (System.nanoTime() - start) / 1e9, torch.get_num_threads());
        }
    }
}

package dev.lorapar.tests.oracle;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.opentest4j.TestAbortedException;

/**
 * Loads libtorch (the JavaCPP presets extract it to ~/.javacpp/cache on the first run) once per JVM and
 * reports how long that took, so the cost of the oracle shows in the test log. When the presets are not on
 * the class path (the GPU bundle leaves them out: the natives are 90 MB), the running test is aborted —
 * JUnit reports it skipped with the reason — instead of failing with NoClassDefFoundError. libtorch runs
 * single-threaded unless -Dlorapar.oracle.threads=N says otherwise.
 */
final class TorchRuntime {
    static final String PRESETS_CLASS = "org.bytedeco.pytorch.global.torch";
    /** System property: libtorch intra-op threads (default 1: the oracle's tensors are tiny, and on a busy
     *  2-core machine two threads made a call 5–10× slower than one). */
    static final String THREADS_PROPERTY = "lorapar.oracle.threads";
    private static volatile boolean loaded;

    private TorchRuntime() {
    }

    /** True when the libtorch presets are on the class path (nothing is loaded). */
    static boolean presetsPresent() {
        try {
            Class.forName(PRESETS_CLASS, false, TorchRuntime.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Loads libtorch if not yet loaded (idempotent, thread-safe); aborts the test when the presets are absent. */
    static void ensureLoaded() {
        if (loaded) return;
        if (!presetsPresent()) {
            throw new TestAbortedException("the libtorch oracle needs org.bytedeco:pytorch on the class path ("
                    + PRESETS_CLASS + " not found); tests/pom.xml has it in test scope, the GPU bundle does not");
        }
        synchronized (TorchRuntime.class) {
            if (loaded) return;
            long start = System.nanoTime();
            Loader.load(torch.class);
            torch.set_num_threads(Integer.getInteger(THREADS_PROPERTY, 1));
            loaded = true;
            System.out.printf("[oracle] libtorch loaded in %.2f s (%d intra-op threads)%n",
                    (System.nanoTime() - start) / 1e9, torch.get_num_threads());
        }
    }
}

package dev.lorapar.dist;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Ranks as platform threads of this process (one per rank, named {@code name-rank}): start all, wait for all, and
 * report each rank's value or failure. {@link #run} rethrows the root failure — the first one that is not a
 * {@link CollectiveException} (those are the other ranks' reaction to it) — with the others attached as suppressed.
 */
public final class RankThreads {
    /** The work of one rank. */
    @FunctionalInterface
    public interface Body<T> {
        T run(int rank) throws Exception;
    }

    /** What one rank ended with: a value, or the failure (value null). */
    public record Outcome<T>(T value, Throwable failure) {
    }

    private RankThreads() {
    }

    /** Every rank's outcome, index = rank. */
    public static <T> List<Outcome<T>> runAll(int n, String name, Body<T> body) {
        List<Outcome<T>> out = new ArrayList<>(Collections.nCopies(n, null));
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            final int rank = r;
            threads.add(Thread.ofPlatform().name(name + "-" + r).start(() -> {
                try {
                    out.set(rank, new Outcome<>(body.run(rank), null));
                } catch (Throwable e) {
                    out.set(rank, new Outcome<>(null, e));
                }
            }));
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the ranks end on their own (timeouts); wait for them
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** Every rank's value, index = rank; any failure is rethrown (see the class comment). */
    public static <T> List<T> run(int n, String name, Body<T> body) throws Exception {
        List<Outcome<T>> all = runAll(n, name, body);
        Throwable root = null;
        for (Outcome<T> o : all) {
            Throwable f = o.failure();
            if (f != null && (root == null || (root instanceof CollectiveException && !(f instanceof CollectiveException)))) {
                root = f;
            }
        }
        if (root != null) {
            for (Outcome<T> o : all) {
                if (o.failure() != null && o.failure() != root) {
                    root.addSuppressed(o.failure());
                }
            }
            switch (root) {
                case Exception e -> throw e;
                case Error e -> throw e;
                default -> throw new IllegalStateException(root);
            }
        }
        List<T> values = new ArrayList<>();
        all.forEach(o -> values.add(o.value()));
        return values;
    }
}

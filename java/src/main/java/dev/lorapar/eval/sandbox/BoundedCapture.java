package dev.lorapar.eval.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Drains one stream of the child on its own thread, keeping the first {@code cap} bytes; when more arrive it calls
 * {@code onOverflow} once (the sandbox then kills the run) and keeps draining so the child never blocks on a full pipe.
 */
final class BoundedCapture {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final int cap;
    private final Runnable onOverflow;
    private final Thread thread;
    private volatile boolean overflowed;

    BoundedCapture(InputStream in, int cap, Runnable onOverflow, String name) {
        this.cap = cap;
        this.onOverflow = onOverflow;
        this.thread = Thread.ofPlatform().daemon().name(name).start(() -> drain(in));
    }

    private void drain(InputStream in) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                int room;
                synchronized (kept) {
                    room = cap - kept.size();
                    if (room > 0) kept.write(buf, 0, Math.min(room, n));
                }
                if (n > room && !overflowed) {
                    overflowed = true;
                    onOverflow.run();
                }
            }
        } catch (IOException closed) {
            // the process was destroyed; what was read is kept
        }
    }

    /** Waits up to {@code millis} for the stream to end. */
    void await(long millis) throws InterruptedException {
        thread.join(Math.max(1, millis));
    }

    boolean overflowed() {
        return overflowed;
    }

    String text() {
        synchronized (kept) {
            return kept.toString(StandardCharsets.UTF_8);
        }
    }
}

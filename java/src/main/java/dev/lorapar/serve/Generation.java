package dev.lorapar.serve;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A submitted generation: consume its tokens as they come either through {@link #iterator()} or through
 * {@link #publisher()} (one consumer: the first of the two wins), wait for the whole result with {@link #await()} /
 * {@link #result()}, or {@link #cancel()} it at any time (its KV-cache row is freed before the next decode step).
 * Thread-safe.
 */
public final class Generation implements Iterable<TokenChunk> {
    private static final Object END = new Object();

    final CompletionRequest request;
    final long submittedNanos;
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final CompletableFuture<Completion> result = new CompletableFuture<>();
    private final AtomicBoolean consumed = new AtomicBoolean();
    private final Runnable onCancel;
    private volatile boolean cancelRequested;

    Generation(CompletionRequest request, Runnable onCancel) {
        this.request = request;
        this.onCancel = onCancel;
        this.submittedNanos = System.nanoTime();
    }

    /** The request as submitted. */
    public CompletionRequest request() {
        return request;
    }

    /** Asks the engine to stop this generation; its result then ends with {@link FinishReason#CANCELLED}. */
    public void cancel() {
        if (!cancelRequested && !result.isDone()) {
            cancelRequested = true;
            onCancel.run();
        }
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    /** Completes when the generation ends (never exceptionally: failures have {@link FinishReason#ERROR}). */
    public CompletableFuture<Completion> result() {
        return result;
    }

    /** Blocks until the generation ends. */
    public Completion await() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a generation result never completes exceptionally", e);
        }
    }

    /** True once it ended. */
    public boolean isDone() {
        return result.isDone();
    }

    void emit(TokenChunk chunk) {
        events.add(chunk);
    }

    void finish(Completion completion) {
        events.add(END);
        result.complete(completion);
    }

    private void claim(String how) {
        if (!consumed.compareAndSet(false, true)) {
            throw new IllegalStateException("this generation's tokens are already being consumed; " + how
                    + " can be taken once");
        }
    }

    /** The chunks in order, blocking for each; ends when the generation ends. One consumer only. */
    @Override
    public Iterator<TokenChunk> iterator() {
        claim("iterator()");
        return new Iterator<>() {
            private Object next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    try {
                        next = events.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for a token", e);
                    }
                }
                if (next == END) {
                    events.add(END); // stays at the end for later hasNext() calls
                    return false;
                }
                return true;
            }

            @Override
            public TokenChunk next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the generation has ended");
                }
                TokenChunk c = (TokenChunk) next;
                next = null;
                return c;
            }
        };
    }

    /**
     * The chunks as a {@link Flow.Publisher} for one subscriber, honouring its demand; cancelling the subscription
     * cancels the generation. Delivery runs on a virtual thread.
     */
    public Flow.Publisher<TokenChunk> publisher() {
        return subscriber -> {
            Iterator<TokenChunk> it;
            try {
                it = iterator();
            } catch (IllegalStateException e) {
                subscriber.onSubscribe(new Flow.Subscription() {
                    public void request(long n) {
                    }

                    public void cancel() {
                    }
                });
                subscriber.onError(e);
                return;
            }
            AtomicLong demand = new AtomicLong();
            AtomicBoolean stopped = new AtomicBoolean();
            Object signal = new Object();
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    if (n <= 0) {
                        stopped.set(true);
                        subscriber.onError(new IllegalArgumentException("request(" + n + "): demand must be > 0"));
                        return;
                    }
                    demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                    synchronized (signal) {
                        signal.notifyAll();
                    }
                }

                @Override
                public void cancel() {
                    stopped.set(true);
                    Generation.this.cancel();
                    synchronized (signal) {
                        signal.notifyAll();
                    }
                }
            });
            Thread.ofVirtual().name("lorapar-generation-publisher").start(() -> {
                try {
                    while (!stopped.get() && it.hasNext()) {
                        synchronized (signal) {
                            while (demand.get() == 0 && !stopped.get()) {
                                signal.wait();
                            }
                        }
                        if (stopped.get()) {
                            return;
                        }
                        demand.decrementAndGet();
                        subscriber.onNext(it.next());
                    }
                    if (!stopped.get()) {
                        subscriber.onComplete();
                    }
                } catch (InterruptedException e) {
                    subscriber.onError(e);
                }
            });
        };
    }
}

package dev.lorapar.serve;

import dev.lorapar.model.ContinuousDecoder;
import dev.lorapar.model.ContinuousDecoder.Sequence;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.GenerationResult.StopReason;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.tokenizer.StreamingDecoder;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one thread that drives the model: between decode steps it runs queued tasks (adapter loads, scoring), drops
 * cancelled generations, admits waiting ones into free KV-cache rows (one packed prefill per adapter) and then steps
 * the running adapters round-robin, streaming each new token to its {@link Generation}.
 */
final class DecodeLoop implements Runnable {
    /** A running generation: its sequence, text decoding state and timing. */
    private static final class Active {
        final Generation generation;
        final LoraAdapter adapter;
        Sequence sequence;
        final StreamingDecoder text;
        final StopTextFilter filter;
        final StringBuilder released = new StringBuilder();
        int delivered;
        long firstTokenNanos = -1;

        Active(Generation generation, LoraAdapter adapter, Tokenizer tokenizer) {
            this.generation = generation;
            this.adapter = adapter;
            this.text = tokenizer.newStreamingDecoder();
            this.filter = new StopTextFilter(generation.request.stop());
        }
    }

    /** Work for the loop thread and how to fail it when the loop ends first. */
    private record Task(Runnable work, java.util.function.Consumer<Throwable> fail) {
    }

    private final ContinuousDecoder decoder;
    private final Tokenizer tokenizer;
    private final EngineMetrics metrics;
    private final int queueCapacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<Active> waiting = new ArrayDeque<>();     // guarded by lock
    private final ArrayDeque<Task> tasks = new ArrayDeque<>();         // guarded by lock
    private final Map<Sequence, Active> running = new IdentityHashMap<>(); // loop thread only
    private volatile int runningCount;
    private boolean accepting = true;  // guarded by lock
    private boolean stopping;          // guarded by lock: exit once idle
    private long graceDeadline = Long.MAX_VALUE; // nanoTime after which everything left is cancelled
    private int roundRobin;

    DecodeLoop(ContinuousDecoder decoder, Tokenizer tokenizer, int queueCapacity) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.queueCapacity = queueCapacity;
        this.metrics = new EngineMetrics(this::queueDepth, () -> runningCount);
    }

    EngineMetrics metrics() {
        return metrics;
    }

    int queueDepth() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    int running() {
        return runningCount;
    }

    /** Queues g (with its resolved adapter); QueueFullException when the queue is at capacity. */
    void submit(Generation g, LoraAdapter adapter) {
        lock.lock();
        try {
            if (!accepting) {
                throw new IllegalStateException("the engine is shutting down");
            }
            int freeRows = Math.max(0, decoder.options().slots() - runningCount); // they admit from the queue next
            if (waiting.size() >= queueCapacity + freeRows) {
                metrics.countRejected();
                throw new QueueFullException(queueCapacity);
            }
            waiting.add(new Active(g, adapter, tokenizer));
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the loop (a cancellation happened). */
    void poke() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code work} on the loop thread between decode steps. */
    <T> CompletableFuture<T> call(Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        lock.lock();
        try {
            if (stopping) {
                f.completeExceptionally(new IllegalStateException("the engine is closed"));
                return f;
            }
            tasks.add(new Task(() -> {
                try {
                    f.complete(work.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            }, f::completeExceptionally));
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        return f;
    }

    /** True when a waiting or running generation uses {@code adapter} (loop thread). */
    boolean uses(LoraAdapter adapter) {
        for (Active a : running.values()) {
            if (a.adapter == adapter) {
                return true;
            }
        }
        lock.lock();
        try {
            return waiting.stream().anyMatch(a -> a.adapter == adapter);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops accepting; running and waiting generations may finish until {@code graceNanos} from now, then the rest
     * are cancelled and the loop exits.
     */
    void shutdown(long graceNanos) {
        lock.lock();
        try {
            accepting = false;
            stopping = true;
            graceDeadline = System.nanoTime() + Math.max(0, graceNanos);
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void run() {
        try {
            while (true) {
                try {
                    if (!iterate()) {
                        return;
                    }
                } catch (RuntimeException e) { // never let the loop die: what it was serving ends with ERROR
                    failEverything(e);
                }
            }
        } finally {
            failLeftovers();
        }
    }

    /** One pass: tasks, cancellations, admissions, one decode step; false when the loop should end. */
    private boolean iterate() {
        runTasks();
        boolean pastGrace;
        lock.lock();
        try {
            pastGrace = stopping && System.nanoTime() >= graceDeadline;
        } finally {
            lock.unlock();
        }
        dropCancelled(pastGrace);
        admit();
        runningCount = running.size();
        if (running.isEmpty()) {
            lock.lock();
            try {
                if (!tasks.isEmpty() || (!waiting.isEmpty() && decoder.freeSlots() > 0)) {
                    return true;
                }
                if (stopping && waiting.isEmpty()) {
                    return false;
                }
                wake.await(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                lock.unlock();
            }
            return true;
        }
        List<LoraAdapter> adapters = new ArrayList<>(decoder.runningAdapters());
        LoraAdapter adapter = adapters.get(Math.floorMod(roundRobin++, adapters.size()));
        try {
            for (Sequence s : decoder.step(adapter)) {
                deliver(running.get(s));
            }
        } catch (RuntimeException e) {
            failAll(adapter, e);
        }
        return true;
    }

    /** Ends every running and waiting generation with ERROR after an unexpected failure of the loop itself. */
    private void failEverything(RuntimeException e) {
        for (Active a : new ArrayList<>(running.values())) {
            running.remove(a.sequence);
            try {
                decoder.leave(a.sequence);
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            end(a, FinishReason.ERROR, e);
        }
        List<Active> dropped;
        lock.lock();
        try {
            dropped = new ArrayList<>(waiting);
            waiting.clear();
        } finally {
            lock.unlock();
        }
        dropped.forEach(a -> end(a, FinishReason.ERROR, e));
    }

    /** The loop ended: tasks never run fail, generations still waiting are cancelled. */
    private void failLeftovers() {
        List<Task> left;
        List<Active> dropped;
        lock.lock();
        try {
            accepting = false;
            stopping = true;
            left = new ArrayList<>(tasks);
            tasks.clear();
            dropped = new ArrayList<>(waiting);
            waiting.clear();
        } finally {
            lock.unlock();
        }
        left.forEach(t -> t.fail().accept(new IllegalStateException("the engine is closed")));
        dropped.forEach(a -> end(a, FinishReason.CANCELLED, null));
        for (Active a : new ArrayList<>(running.values())) {
            running.remove(a.sequence);
            end(a, FinishReason.CANCELLED, null);
        }
    }

    private void runTasks() {
        while (true) {
            Task t;
            lock.lock();
            try {
                t = tasks.poll();
            } finally {
                lock.unlock();
            }
            if (t == null) {
                return;
            }
            t.work().run();
        }
    }

    private void dropCancelled(boolean all) {
        for (Iterator<Map.Entry<Sequence, Active>> it = running.entrySet().iterator(); it.hasNext(); ) {
            Active a = it.next().getValue();
            if (all || a.generation.cancelRequested()) {
                decoder.leave(a.sequence);
                it.remove();
                end(a, FinishReason.CANCELLED, null);
            }
        }
        List<Active> dropped = new ArrayList<>();
        lock.lock();
        try {
            waiting.removeIf(a -> {
                if (all || a.generation.cancelRequested()) {
                    dropped.add(a);
                    return true;
                }
                return false;
            });
        } finally {
            lock.unlock();
        }
        dropped.forEach(a -> end(a, FinishReason.CANCELLED, null));
    }

    /** Moves waiting generations into free rows, in arrival order, one packed prefill per adapter. */
    private void admit() {
        Map<LoraAdapter, List<Active>> byAdapter = new LinkedHashMap<>();
        lock.lock();
        try {
            int free = decoder.freeSlots();
            while (free > 0 && !waiting.isEmpty()) {
                Active a = waiting.poll();
                byAdapter.computeIfAbsent(a.adapter, k -> new ArrayList<>()).add(a);
                free--;
            }
        } finally {
            lock.unlock();
        }
        for (Map.Entry<LoraAdapter, List<Active>> e : byAdapter.entrySet()) {
            List<Active> group = e.getValue();
            List<GenerationRequest> requests = new ArrayList<>();
            boolean logprobs = false;
            for (Active a : group) {
                CompletionRequest q = a.generation.request;
                // stop strings are found incrementally by the Active's StopTextFilter (deliver), not by the decoder,
                // which would decode the whole continuation at every step
                requests.add(new GenerationRequest(q.prompt(), q.maxTokens(), q.sampling(),
                        new int[] {tokenizer.eosId()}, null));
                logprobs |= q.logprobs();
            }
            try {
                List<Sequence> seqs = decoder.join(requests, e.getKey(), logprobs);
                for (int i = 0; i < group.size(); i++) {
                    Active a = group.get(i);
                    a.sequence = seqs.get(i);
                    running.put(a.sequence, a);
                    runningCount = running.size();
                    deliver(a);
                }
            } catch (RuntimeException ex) {
                group.forEach(a -> end(a, FinishReason.ERROR, ex));
            }
        }
    }

    /** Streams the sequence's new tokens; ends the generation when the sequence finished. */
    private void deliver(Active a) {
        Sequence s = a.sequence;
        boolean wantLogprobs = a.generation.request.logprobs();
        while (a.delivered < s.count()) {
            int i = a.delivered++;
            int id = s.token(i);
            if (a.firstTokenNanos < 0) {
                a.firstTokenNanos = System.nanoTime() - a.generation.submittedNanos;
            }
            metrics.tokens(1);
            boolean stopToken = s.finished() && i == s.count() - 1 && s.stopReason() == StopReason.STOP_TOKEN;
            String delta = stopToken ? "" : a.filter.accept(a.text.accept(id));
            a.released.append(delta);
            a.generation.emit(new TokenChunk(id, delta, wantLogprobs ? s.logprob(i) : Float.NaN));
            if (a.filter.stopped()) { // a stop string completed: the tokens after it are not wanted
                running.remove(s);
                decoder.leave(s);
                end(a, FinishReason.STOP, null);
                return;
            }
        }
        if (s.finished()) {
            running.remove(s);
            StopReason r = s.stopReason();
            end(a, r == StopReason.STOP_TOKEN || r == StopReason.STOP_STRING ? FinishReason.STOP
                    : FinishReason.LENGTH, null);
        }
    }

    private void end(Active a, FinishReason reason, Throwable error) {
        runningCount = running.size(); // callers removed it already: its row is free before the result is seen
        if (reason != FinishReason.ERROR && reason != FinishReason.CANCELLED) {
            String tail = a.filter.accept(a.text.finish());
            tail += a.filter.finish();
            if (!tail.isEmpty()) {
                a.released.append(tail);
                a.generation.emit(new TokenChunk(-1, tail, Float.NaN));
            }
        }
        Sequence s = a.sequence;
        int[] tokens = s == null ? new int[0] : s.tokens();
        float[] logprobs = null;
        if (a.generation.request.logprobs()) {
            logprobs = new float[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                logprobs[i] = s.logprob(i);
            }
        }
        Completion c = new Completion(a.released.toString(), tokens, logprobs, reason,
                a.generation.request.prompt().length, a.firstTokenNanos,
                System.nanoTime() - a.generation.submittedNanos, error);
        metrics.completed(c);
        a.generation.finish(c);
    }

    private void failAll(LoraAdapter adapter, RuntimeException e) {
        for (Iterator<Map.Entry<Sequence, Active>> it = running.entrySet().iterator(); it.hasNext(); ) {
            Active a = it.next().getValue();
            if (a.adapter == adapter) {
                decoder.leave(a.sequence);
                it.remove();
                end(a, FinishReason.ERROR, e);
            }
        }
    }
}

package dev.lorapar.bench.gpu;

import dev.lorapar.core.Event;
import dev.lorapar.core.Stream;
import java.util.function.IntConsumer;

/**
 * Times ops on one stream. Asynchronous ops ({@link #time}): each sample batches enough calls to
 * last about {@link BenchConfig#sampleTargetMillis()} between two lorapar Events recorded on the
 * stream (on a CUDA stream the GPU's own clock; on a CPU stream, which runs synchronously, the host's).
 * Ops that synchronize by themselves ({@link #wall}): the wall clock of single calls.
 * Every call gets a buffer-set index, rotating over {@code sets}, so no call finds its inputs in cache.
 */
final class Timer implements AutoCloseable {
    static final int PROBE_CALLS = 3;
    static final int MAX_CALLS_PER_SAMPLE = 256;

    private final Stream stream;
    private final BenchConfig config;
    private final Event start;
    private final Event end;

    Timer(Stream stream, BenchConfig config) {
        this.stream = stream;
        this.config = config;
        Event first = Event.create(stream.device());
        try {
            this.end = Event.create(stream.device());
        } catch (RuntimeException e) {
            first.close();
            throw e;
        }
        this.start = first;
    }

    /** Times an asynchronous op; op.accept(set) enqueues one call on buffer set {@code set} ∈ [0, sets). */
    Stats time(int sets, IntConsumer op) {
        int next = 0;
        for (int i = 0; i < config.warmupCalls(); i++) {
            op.accept(next++ % sets);
        }
        stream.synchronize();
        double probeMillis = batchMillis(sets, next, PROBE_CALLS, op) / PROBE_CALLS;
        next += PROBE_CALLS;
        int calls = callsPerSample(probeMillis);
        double[] perCall = new double[config.samples()];
        for (int s = 0; s < perCall.length; s++) {
            perCall[s] = batchMillis(sets, next, calls, op) / calls;
            next = (next + calls) % sets;
        }
        return Stats.of(perCall, calls);
    }

    /** Times an op that synchronizes the stream itself (selection): wall clock, one call per sample. */
    Stats wall(int sets, IntConsumer op) {
        int next = 0;
        for (int i = 0; i < config.warmupCalls(); i++) {
            op.accept(next++ % sets);
        }
        double[] perCall = new double[config.samples()];
        for (int s = 0; s < perCall.length; s++) {
            stream.synchronize();
            long began = System.nanoTime();
            op.accept(next++ % sets);
            stream.synchronize();
            perCall[s] = (System.nanoTime() - began) / 1e6;
        }
        return Stats.of(perCall, 1);
    }

    private int callsPerSample(double probeMillis) {
        if (!(probeMillis > 0)) {
            return MAX_CALLS_PER_SAMPLE;
        }
        double calls = Math.ceil(config.sampleTargetMillis() / probeMillis);
        return (int) Math.max(1, Math.min(MAX_CALLS_PER_SAMPLE, calls));
    }

    /** Milliseconds for `calls` calls starting at buffer set `first`, the stream idle before. */
    private double batchMillis(int sets, int first, int calls, IntConsumer op) {
        start.record(stream);
        for (int j = 0; j < calls; j++) {
            op.accept((first + j) % sets);
        }
        end.record(stream);
        end.synchronize();
        return Event.elapsedMillis(start, end);
    }

    @Override
    public void close() {
        try {
            start.close();
        } finally {
            end.close();
        }
    }
}

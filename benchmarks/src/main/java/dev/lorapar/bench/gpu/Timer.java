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

    /** Two ops timed in alternation, and the median over sample pairs of first / second. */
    record Paired(Stats first, Stats second, double medianRatio) {}

    /** Times an asynchronous op; op.accept(set) enqueues one call on buffer set {@code set} ∈ [0, sets). */
    Stats time(int sets, IntConsumer op) {
        return alternate(sets, config.samples(), op).stats(0);
    }

    /**
     * Times two asynchronous ops (as {@link #time}) with their samples interleaved — one sample of
     * {@code first}, one of {@code second}, and again — {@code samples} each, so that clock and thermal
     * drift hit both alike; the ratio is taken per pair of neighbouring samples, then its median.
     */
    Paired timePaired(int sets, int samples, IntConsumer first, IntConsumer second) {
        Samples both = alternate(sets, samples, first, second);
        double[] ratios = new double[samples]; // [samples]
        for (int s = 0; s < samples; s++) {
            ratios[s] = both.perCallMillis()[0][s] / both.perCallMillis()[1][s];
        }
        return new Paired(both.stats(0), both.stats(1), Stats.median(ratios));
    }

    /** perCallMillis, hostPerCallMillis [ops][samples] milliseconds per call (GPU, host enqueue); callsPerSample [ops]. */
    private record Samples(double[][] perCallMillis, double[][] hostPerCallMillis, int[] callsPerSample) {
        Stats stats(int op) {
            return Stats.of(perCallMillis[op], callsPerSample[op], hostPerCallMillis[op]);
        }
    }

    /** Host time of the last batchMillis' enqueue loop (events and calls, before the wait). */
    private double lastEnqueueMillis;

    /**
     * Warms up and probes every op, then takes {@code samples} rounds of one sample per op, in order.
     * Each op rotates over the sets on its own.
     */
    private Samples alternate(int sets, int samples, IntConsumer... ops) {
        int[] next = new int[ops.length];
        int[] calls = new int[ops.length];
        for (int o = 0; o < ops.length; o++) {
            for (int i = 0; i < config.warmupCalls(); i++) {
                ops[o].accept(next[o]++ % sets);
            }
        }
        stream.synchronize();
        for (int o = 0; o < ops.length; o++) {
            double probeMillis = batchMillis(sets, next[o], PROBE_CALLS, ops[o]) / PROBE_CALLS;
            next[o] = (next[o] + PROBE_CALLS) % sets;
            calls[o] = callsPerSample(probeMillis);
        }
        double[][] perCall = new double[ops.length][samples]; // [ops][samples]
        double[][] hostPerCall = new double[ops.length][samples]; // [ops][samples]
        for (int s = 0; s < samples; s++) {
            for (int o = 0; o < ops.length; o++) {
                perCall[o][s] = batchMillis(sets, next[o], calls[o], ops[o]) / calls[o];
                hostPerCall[o][s] = lastEnqueueMillis / calls[o];
                next[o] = (next[o] + calls[o]) % sets;
            }
        }
        return new Samples(perCall, hostPerCall, calls);
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
        long enqueueBegan = System.nanoTime();
        start.record(stream);
        for (int j = 0; j < calls; j++) {
            op.accept((first + j) % sets);
        }
        end.record(stream);
        lastEnqueueMillis = (System.nanoTime() - enqueueBegan) / 1e6;
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

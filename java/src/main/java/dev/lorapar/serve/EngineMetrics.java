package dev.lorapar.serve;

import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * What a {@link ServingEngine} counts, rendered in the Prometheus text format: requests by outcome, prompt and
 * generated tokens, generated tokens per second over the last 10 s, queue depth, running sequences, and histograms
 * of time to first token and of request latency. Thread-safe.
 */
public final class EngineMetrics {
    private final Map<FinishReason, AtomicLong> finished = new EnumMap<>(FinishReason.class);
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong(), generatedTokens = new AtomicLong();
    private final LatencyHistogram ttft = new LatencyHistogram("lorapar_time_to_first_token_seconds",
            "Time from submission to the first generated token.");
    private final LatencyHistogram latency = new LatencyHistogram("lorapar_request_duration_seconds",
            "Time from submission to the end of a generation.");
    private final ArrayDeque<long[]> window = new ArrayDeque<>(); // {nanoTime, generated total}
    private final IntSupplier queueDepth, running;

    EngineMetrics(IntSupplier queueDepth, IntSupplier running) {
        this.queueDepth = queueDepth;
        this.running = running;
        for (FinishReason r : FinishReason.values()) {
            finished.put(r, new AtomicLong());
        }
    }

    void countRejected() {
        rejected.incrementAndGet();
    }

    void tokens(int n) {
        generatedTokens.addAndGet(n);
    }

    void completed(Completion c) {
        finished.get(c.finishReason()).incrementAndGet();
        promptTokens.addAndGet(c.promptTokens());
        if (c.firstTokenNanos() >= 0) {
            ttft.observe(c.firstTokenNanos() / 1e9);
        }
        latency.observe(c.totalNanos() / 1e9);
    }

    /** Requests that ended for {@code reason} so far. */
    public long finished(FinishReason reason) {
        return finished.get(reason).get();
    }

    /** Requests refused because the queue was full. */
    public long rejected() {
        return rejected.get();
    }

    /** Tokens generated so far. */
    public long generatedTokens() {
        return generatedTokens.get();
    }

    /** Generated tokens per second over about the last 10 seconds. */
    public synchronized double tokensPerSecond() {
        long now = System.nanoTime(), total = generatedTokens.get();
        window.addLast(new long[] {now, total});
        while (window.size() > 1 && now - window.peekFirst()[0] > 10_000_000_000L) {
            window.removeFirst();
        }
        long[] first = window.peekFirst();
        double seconds = (now - first[0]) / 1e9;
        return seconds <= 0 ? 0 : (total - first[1]) / seconds;
    }

    /** The Prometheus text exposition of every metric. */
    public String prometheus() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP lorapar_requests_total Generation requests by outcome.\n");
        out.append("# TYPE lorapar_requests_total counter\n");
        for (FinishReason r : FinishReason.values()) {
            out.append("lorapar_requests_total{outcome=\"").append(r.openAi()).append("\"} ")
                    .append(finished.get(r).get()).append('\n');
        }
        out.append("lorapar_requests_total{outcome=\"rejected\"} ").append(rejected.get()).append('\n');
        counter(out, "lorapar_prompt_tokens_total", "Prompt tokens of finished requests.", promptTokens.get());
        counter(out, "lorapar_generated_tokens_total", "Tokens generated.", generatedTokens.get());
        gauge(out, "lorapar_generated_tokens_per_second", "Generated tokens per second over the last 10 s.",
                LatencyHistogram.format(tokensPerSecond()));
        gauge(out, "lorapar_queue_depth", "Requests waiting for a free KV-cache row.", "" + queueDepth.getAsInt());
        gauge(out, "lorapar_running_sequences", "Sequences in the running batch.", "" + running.getAsInt());
        ttft.render(out);
        latency.render(out);
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder out, String name, String help, String value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(value).append('\n');
    }
}

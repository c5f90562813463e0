package dev.lorapar.train.report;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The training view of a {@link ProgressReporter}: per optimizer step it shows the loss (a debiased
 * exponential moving average and the last value), the learning rate and tokens per second, e.g.
 * {@code loss 1.2340 (last 1.3010)  lr 2.00e-04  12.3k tok/s}, before the reporter's own memory and
 * time groups. Build the reporter with {@code showRate(false)} (tokens/s replaces steps/s).
 *
 * <p>Smoothed loss after n finite losses: m_n = w·m_{n−1} + (1 − w)·loss, shown as m_n / (1 − w^n)
 * (so the first value is the first loss). A non-finite loss is shown as "last NaN" and leaves the
 * average alone. Tokens per second: the tokens of the steps within the last {@code window} of the
 * reporter's clock, divided by the time they took (measured from the sample just before the window,
 * or from construction).
 */
public final class TrainProgress implements AutoCloseable {
    private record Sample(long nanos, long tokens) {
    }

    private final ProgressReporter reporter;
    private final double weight;
    private final long windowNanos;
    private final LongSupplier clock;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    private double ema;
    private long finiteCount;
    private double lastLoss = Double.NaN;
    private long tokens;

    /** EMA weight 0.9, tokens/s over the last 30 s. */
    public TrainProgress(ProgressReporter reporter) {
        this(reporter, 0.9, Duration.ofSeconds(30));
    }

    /**
     * @param lossEmaWeight in [0, 1): 0 shows the last loss only
     * @param window        the span tokens/s is measured over (positive)
     */
    public TrainProgress(ProgressReporter reporter, double lossEmaWeight, Duration window) {
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        if (!(lossEmaWeight >= 0 && lossEmaWeight < 1)) {
            throw new IllegalArgumentException("loss EMA weight " + lossEmaWeight + " is not in [0, 1)");
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("tokens/s window " + window + " is not positive");
        }
        this.weight = lossEmaWeight;
        this.windowNanos = window.toNanos();
        this.clock = reporter.clock();
        samples.add(new Sample(clock.getAsLong(), 0));
    }

    /**
     * Reports a finished optimizer step.
     *
     * @param step        steps done (1 after the first step)
     * @param loss        its loss (mean per token)
     * @param lr          the learning rate it used
     * @param stepTokens  tokens it processed (all micro-batches)
     * @param extra       more groups after tokens/s (e.g. grad norm)
     */
    public synchronized void step(long step, double loss, double lr, long stepTokens, ProgressReporter.Field... extra) {
        if (stepTokens < 0) throw new IllegalArgumentException("step " + step + ": token count " + stepTokens + " is negative");
        lastLoss = loss;
        if (Double.isFinite(loss)) {
            ema = weight * ema + (1 - weight) * loss;
            finiteCount++;
        }
        tokens += stepTokens;
        long now = clock.getAsLong();
        samples.addLast(new Sample(now, tokens));
        // keep one sample at or before the window's start as the base of the rate
        while (samples.size() > 2) {
            var it = samples.iterator();
            it.next();
            if (it.next().nanos() <= now - windowNanos) samples.removeFirst();
            else break;
        }
        List<ProgressReporter.Field> fields = new ArrayList<>(3 + (extra == null ? 0 : extra.length));
        String lossText = NumbersFormat.loss(smoothedLoss()) + " (last " + NumbersFormat.loss(loss) + ")";
        fields.add(ProgressReporter.Field.of("loss", lossText));
        fields.add(ProgressReporter.Field.of("lr", NumbersFormat.scientific(lr)));
        double tps = tokensPerSecond();
        fields.add(ProgressReporter.Field.value(Double.isNaN(tps) ? "? tok/s" : NumbersFormat.tokensPerSecond(tps)));
        if (extra != null) fields.addAll(List.of(extra));
        reporter.update(step, fields);
    }

    /** The debiased moving average of the finite losses so far; NaN before any. */
    public synchronized double smoothedLoss() {
        if (finiteCount == 0) return Double.NaN;
        return ema / (1 - Math.pow(weight, finiteCount));
    }

    public synchronized double lastLoss() {
        return lastLoss;
    }

    /** Tokens per second over the window; NaN before any time passed. */
    public synchronized double tokensPerSecond() {
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        long dt = last.nanos() - first.nanos();
        return dt > 0 ? (last.tokens() - first.tokens()) / (dt / 1e9) : Double.NaN;
    }

    /** Tokens reported so far. */
    public synchronized long tokens() {
        return tokens;
    }

    public ProgressReporter reporter() {
        return reporter;
    }

    /** Closes the reporter (final line). */
    @Override
    public void close() {
        reporter.close();
    }
}

package dev.lorapar.train.report;

import dev.lorapar.train.report.plot.PlotChecks;
import dev.lorapar.train.report.plot.LinePlot;
import dev.lorapar.train.report.plot.PngEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The loss curve of a run as a PNG: the raw training loss (light), its debiased moving average
 * (dark), and the evaluation loss (markers joined by a thin line), against the step. NaN/Inf losses
 * are gaps; a log scale turns losses ≤ 0 into gaps too. Written with {@link LinePlot} (pure Java,
 * headless-safe).
 */
public final class LossPlot {
    /** Colour of the raw training loss (0xRRGGBB). */
    public static final int RAW = 0xA9C8EC;
    /** Colour of the smoothed training loss, and of the training loss when not smoothed. */
    public static final int SMOOTHED = 0x1F5FAF;
    /** Colour of the evaluation loss. */
    public static final int EVAL = 0xE8710A;

    private final Builder b;

    private LossPlot(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Plots the {@code loss} and {@code evalLoss} of the records (either may be absent in a record). */
    public LinePlot.Rendered render(List<MetricsRecord> records) {
        Objects.requireNonNull(records, "metrics records are null");
        List<double[]> train = new ArrayList<>();
        List<double[]> eval = new ArrayList<>();
        for (MetricsRecord r : records) {
            if (r.loss() != null) train.add(new double[] {r.step(), r.loss()});
            if (r.evalLoss() != null) eval.add(new double[] {r.step(), r.evalLoss()});
        }
        return render(column(train, 0), column(train, 1), column(eval, 0), column(eval, 1));
    }

    /** Plots training losses at {@code steps} and evaluation losses at {@code evalSteps} (in step order). */
    public LinePlot.Rendered render(double[] steps, double[] loss, double[] evalSteps, double[] evalLoss) {
        Objects.requireNonNull(steps, "steps");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(evalSteps, "evalSteps");
        Objects.requireNonNull(evalLoss, "evalLoss");
        if (steps.length != loss.length || evalSteps.length != evalLoss.length) {
            throw new IllegalArgumentException("loss plot: " + steps.length + " steps for " + loss.length + " losses, "
                    + evalSteps.length + " eval steps for " + evalLoss.length + " eval losses");
        }
        int s = b.textScale > 0 ? b.textScale : LinePlot.defaultTextScale(b.width, b.height);
        double weight = Double.isNaN(b.smoothing) ? autoSmoothing(loss.length) : b.smoothing;
        LinePlot.Builder p = LinePlot.builder().size(b.width, b.height).textScale(s).logY(b.logScale).integerX(true)
                .title(b.title).xLabel("step").yLabel(b.logScale ? "loss (log scale)" : "loss");
        if (weight > 0 && loss.length > 1) {
            p.add(LinePlot.Series.line("train loss", steps, loss, RAW, 0.75 * s));
            String name = String.format(Locale.ROOT, "train loss, smoothed (EMA %.2f)", weight);
            p.add(LinePlot.Series.line(name, steps, ema(loss, weight), SMOOTHED, 1.25 * s));
        } else {
            p.add(LinePlot.Series.line("train loss", steps, loss, SMOOTHED, 1.0 * s));
        }
        if (evalSteps.length > 0) {
            p.add(LinePlot.Series.lineAndMarkers("eval loss", evalSteps, evalLoss, EVAL, 0.5 * s, 2.5 * s));
        }
        return p.build().render();
    }

    /** Writes the PNG of the records (atomically). */
    public void write(Path png, List<MetricsRecord> records) throws IOException {
        PngEncoder.write(png, render(records).canvas());
    }

    /**
     * Reads a metrics log and writes its loss plot; returns what the reader found, so the caller can
     * report unreadable lines.
     */
    public MetricsLog.Contents write(Path png, Path metricsLog) throws IOException {
        MetricsLog.Contents contents = MetricsLog.read(metricsLog);
        write(png, contents.records());
        return contents;
    }

    /**
     * Debiased exponential moving average: m_k = w·m_{k−1} + (1 − w)·v_k over the finite values,
     * out_k = m_k / (1 − w^n) with n finite values so far; NaN where v_k is not finite (a gap).
     */
    public static double[] ema(double[] values, double weight) {
        if (!(weight >= 0 && weight < 1)) throw new IllegalArgumentException("EMA weight " + weight + " is not in [0, 1)");
        double[] out = new double[values.length];
        double m = 0;
        double bias = 1;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!Double.isFinite(v)) {
                out[i] = Double.NaN;
                continue;
            }
            m = weight * m + (1 - weight) * v;
            bias *= weight;
            out[i] = m / (1 - bias);
        }
        return out;
    }

    /**
     * The smoothing used unless set: an EMA whose span is about 1/30 of the points,
     * w = 1 − 2 / (n/30 + 1), clamped to [0, 0.99] (0 up to 30 points: no smoothing).
     */
    public static double autoSmoothing(int points) {
        double span = points / 30.0;
        double w = 1 - 2 / (span + 1);
        return Math.max(0, Math.min(0.99, w));
    }

    private static double[] column(List<double[]> rows, int k) {
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) out[i] = rows.get(i)[k];
        return out;
    }

    /** Configures a {@link LossPlot}. */
    public static final class Builder {
        private String title = "Training loss";
        private int width = 1200;
        private int height = 720;
        private int textScale;
        private boolean logScale;
        private double smoothing = Double.NaN;

        public Builder title(String title) {
            this.title = Objects.requireNonNull(title, "title");
            return this;
        }

        /** Image size in pixels (default 1200×720; at least 200×150). */
        public Builder size(int width, int height) {
            PlotChecks.size("loss plot", width, height);
            this.width = width;
            this.height = height;
            return this;
        }

        public Builder textScale(int scale) {
            PlotChecks.textScale(scale);
            this.textScale = scale;
            return this;
        }

        /** A log10 loss axis. */
        public Builder logScale(boolean log) {
            this.logScale = log;
            return this;
        }

        /** The EMA weight of the smoothed curve in [0, 1) (0: none); default {@link #autoSmoothing}. */
        public Builder smoothing(double weight) {
            if (!(weight >= 0 && weight < 1)) throw new IllegalArgumentException("smoothing " + weight + " is not in [0, 1)");
            this.smoothing = weight;
            return this;
        }

        public LossPlot build() {
            return new LossPlot(this);
        }
    }
}

package dev.lorapar.train.report.plot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A PNG heatmap of a row-major matrix (e.g. an importance map of a LoRA matrix, [out, r] or [r, in])
 * with a colour bar. Row 0 is at the top. The matrix is stretched to the plot area; when it has more
 * rows or columns than pixels, each pixel shows an aggregate (mean, max, or max |v|) of its block of
 * cells, so every cell counts. NaN cells are skipped in aggregates and a block of only NaN is grey;
 * on a log colour scale values ≤ 0 take the lowest colour.
 */
public final class HeatmapPlot {

    public enum Aggregate { MEAN, MAX, MAX_ABS }

    /** The drawn heatmap, where the cells lie, and the colour bar's axis and rectangle. */
    public record Rendered(Canvas canvas, PlotArea area, Axis colorAxis, int barLeft, int barTop, int barWidth,
                           int barHeight) {
    }

    private final Builder b;

    private HeatmapPlot(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Draws {@code values} as a [rows, cols] row-major matrix. */
    public Rendered render(float[] values, int rows, int cols) {
        Objects.requireNonNull(values, "heatmap values are null");
        if (rows < 1 || cols < 1) throw new IllegalArgumentException("heatmap of a " + rows + "×" + cols + " matrix: nothing to draw");
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException("heatmap: " + values.length + " values are not a " + rows + "×" + cols + " matrix");
        }
        int w = b.width;
        int h = b.height;
        int s = b.textScale > 0 ? b.textScale : Decor.defaultScale(w, h);
        Canvas c = new Canvas(w, h, LinePlot.BACKGROUND);

        Axis colorAxis = colorAxis(values);
        int barWidth = 8 * s;
        int reserve = 6 * s + barWidth + Decor.tickLength(s) + 3 * s + Decor.maxWidth(colorAxis.labels(), s)
                + (b.colorLabel.isEmpty() ? 0 : 4 * s + Decor.lineHeight(s));
        Decor.Layout lay = Decor.layout(w, h, s, b.title, b.xLabel, b.yLabel, reserve);
        Axis rowAxis = Axis.fit(0, rows, Axis.Scale.LINEAR, 0, true,
                Math.max(2, Math.min(10, lay.plotHeight() / (Canvas.capHeight(s) * 4))));
        int left = lay.leftFor(Decor.maxWidth(rowAxis.labels(), s));
        int plotW = lay.rightEdge() - left;
        if (plotW < 16) throw new IllegalArgumentException("heatmap " + w + "×" + h + " leaves no room for the matrix");
        Axis colAxis = Decor.fitX(0, cols, true, plotW, s);
        // fitX pads by 2%: refit exactly [0, cols] with the tick count it found
        colAxis = Axis.fit(0, cols, Axis.Scale.LINEAR, 0, true, Math.max(2, colAxis.ticks().length));
        PlotArea area = new PlotArea(left, lay.top(), plotW, lay.plotHeight(), colAxis, rowAxis, true);

        paintCells(c, area, values, rows, cols, colorAxis);
        Decor.frameAndTicks(c, area, s);
        Decor.titles(c, area, s, b.title, b.xLabel, b.yLabel);

        int barLeft = area.left() + area.width() + 6 * s;
        PlotArea bar = new PlotArea(barLeft, area.top(), barWidth, area.height(), colAxis, colorAxis, false);
        for (int y = 0; y < bar.height(); y++) {
            double t = 1 - (y + 0.5) / bar.height();
            c.fillRect(barLeft, bar.top() + y, barWidth, 1, ColorMap.color(t));
        }
        c.strokeRect(barLeft - 1, bar.top() - 1, barWidth + 2, bar.height() + 2, LinePlot.FRAME);
        Decor.yTicks(c, bar, barLeft + barWidth, s, false);
        if (!b.colorLabel.isEmpty()) {
            int x = barLeft + barWidth + 1 + Decor.tickLength(s) + 3 * s + Decor.maxWidth(colorAxis.labels(), s) + 4 * s;
            c.textUp(b.colorLabel, x, bar.top() + bar.height() / 2 + Canvas.textWidth(b.colorLabel, s) / 2, s, LinePlot.INK);
        }
        return new Rendered(c, area, colorAxis, barLeft, bar.top(), barWidth, bar.height());
    }

    /** Renders and writes the PNG (atomically). */
    public void write(Path png, float[] values, int rows, int cols) throws IOException {
        PngEncoder.write(png, render(values, rows, cols).canvas());
    }

    private Axis colorAxis(float[] values) {
        boolean log = b.logScale;
        double lo = b.rangeMin;
        double hi = b.rangeMax;
        if (Double.isNaN(lo) || Double.isNaN(hi)) {
            double mn = Double.POSITIVE_INFINITY, mx = Double.NEGATIVE_INFINITY;
            for (float v : values) {
                if (!Float.isFinite(v) || (log && !(v > 0))) continue;
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            }
            if (mn > mx) { // nothing showable
                mn = log ? 1 : 0;
                mx = log ? 10 : 1;
            }
            if (Double.isNaN(lo)) lo = mn;
            if (Double.isNaN(hi)) hi = mx;
            if (lo > hi) hi = lo;
        }
        return Axis.fit(lo, hi, log ? Axis.Scale.LOG : Axis.Scale.LINEAR, 0, false, 6);
    }

    private void paintCells(Canvas c, PlotArea area, float[] values, int rows, int cols, Axis colorAxis) {
        int pw = area.width();
        int ph = area.height();
        int[][] colBlocks = blocks(cols, pw);
        int[][] rowBlocks = blocks(rows, ph);
        for (int y = 0; y < ph; y++) {
            for (int x = 0; x < pw; x++) {
                double v = aggregate(values, cols, rowBlocks[0][y], rowBlocks[1][y], colBlocks[0][x], colBlocks[1][x]);
                int color;
                if (Double.isNaN(v)) color = ColorMap.MISSING;
                else if (b.logScale && !(v > 0)) color = ColorMap.color(0);
                else color = ColorMap.color(colorAxis.fraction(v));
                c.set(area.left() + x, area.top() + y, color);
            }
        }
    }

    /**
     * The cells [start[p], end[p]) shown by pixel p of {@code pixels} spanning {@code n} cells: those whose
     * centres fall in the pixel (each cell in exactly one pixel); a pixel no centre falls in (fewer
     * cells than pixels) shows the one cell under its own centre.
     */
    static int[][] blocks(int n, int pixels) {
        int[] start = new int[pixels];
        int[] end = new int[pixels];
        for (int p = 0; p < pixels; p++) {
            // first cell c with (c + 0.5)·pixels/n ≥ p, i.e. c ≥ (2·p·n − pixels) / (2·pixels)
            int c0 = (int) Math.max(0, Math.ceilDiv(2L * p * n - pixels, 2L * pixels));
            int c1 = (int) Math.min(n, Math.max(0, Math.ceilDiv(2L * (p + 1) * n - pixels, 2L * pixels)));
            if (c1 <= c0) {
                c0 = (int) Math.min(n - 1, ((2L * p + 1) * n) / (2L * pixels));
                c1 = c0 + 1;
            }
            start[p] = c0;
            end[p] = c1;
        }
        return new int[][] {start, end};
    }

    private double aggregate(float[] values, int cols, int r0, int r1, int cs, int ce) {
        double sum = 0;
        double best = Double.NEGATIVE_INFINITY;
        long n = 0;
        for (int r = r0; r < r1; r++) {
            int base = r * cols;
            for (int col = cs; col < ce; col++) {
                float v = values[base + col];
                if (Float.isNaN(v)) continue;
                n++;
                switch (b.aggregate) {
                    case MEAN -> sum += v;
                    case MAX -> best = Math.max(best, v);
                    case MAX_ABS -> best = Math.max(best, Math.abs((double) v));
                }
            }
        }
        if (n == 0) return Double.NaN;
        return b.aggregate == Aggregate.MEAN ? sum / n : best;
    }

    /** Configures a {@link HeatmapPlot}. */
    public static final class Builder {
        private String title = "";
        private String xLabel = "column";
        private String yLabel = "row";
        private String colorLabel = "";
        private int width = 1200;
        private int height = 720;
        private int textScale;
        private boolean logScale;
        private Aggregate aggregate = Aggregate.MEAN;
        private double rangeMin = Double.NaN;
        private double rangeMax = Double.NaN;

        public Builder title(String title) {
            this.title = Objects.requireNonNull(title, "title");
            return this;
        }

        public Builder xLabel(String label) {
            this.xLabel = Objects.requireNonNull(label, "xLabel");
            return this;
        }

        public Builder yLabel(String label) {
            this.yLabel = Objects.requireNonNull(label, "yLabel");
            return this;
        }

        /** The colour bar's label (e.g. "importance"). */
        public Builder colorLabel(String label) {
            this.colorLabel = Objects.requireNonNull(label, "colorLabel");
            return this;
        }

        /** Image size in pixels (default 1200×720; at least 200×150). */
        public Builder size(int width, int height) {
            PlotChecks.size("heatmap", width, height);
            this.width = width;
            this.height = height;
            return this;
        }

        public Builder textScale(int scale) {
            PlotChecks.textScale(scale);
            this.textScale = scale;
            return this;
        }

        /** A log10 colour scale (importance scores span many decades). */
        public Builder logScale(boolean log) {
            this.logScale = log;
            return this;
        }

        public Builder aggregate(Aggregate aggregate) {
            this.aggregate = Objects.requireNonNull(aggregate, "aggregate");
            return this;
        }

        /** A fixed colour range (values outside clamp to the ends), e.g. to compare several maps. */
        public Builder range(double min, double max) {
            if (!(Double.isFinite(min) && Double.isFinite(max) && min <= max)) {
                throw new IllegalArgumentException("heatmap range [" + min + ", " + max + "] is not a finite interval");
            }
            this.rangeMin = min;
            this.rangeMax = max;
            return this;
        }

        public HeatmapPlot build() {
            if (logScale && !Double.isNaN(rangeMin) && !(rangeMin > 0)) {
                throw new IllegalArgumentException("heatmap log scale with range starting at " + rangeMin + " (must be > 0)");
            }
            return new HeatmapPlot(this);
        }
    }
}

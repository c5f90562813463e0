package dev.lorapar.train.report.plot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A PNG line chart: series of (x, y) points as lines and/or markers over a linear x axis and a linear
 * or log y axis, with grid, ticks, tick labels, axis labels, a title and a legend (in the corner that
 * hides the fewest points). Non-finite points (and, on a log axis, values ≤ 0) are gaps: the line
 * breaks there, and a point alone between gaps is drawn as a dot. Series longer than four points
 * per pixel column are thinned to each column's first, lowest, highest and last point, which keeps
 * the drawn envelope exact.
 */
public final class LinePlot {

    public enum Style { LINE, MARKERS, LINE_AND_MARKERS }

    /**
     * One series; an empty name keeps it out of the legend.
     *
     * @param color        0xRRGGBB
     * @param lineWidth    pixels (LINE styles)
     * @param markerRadius pixels (MARKERS styles)
     */
    public record Series(String name, double[] x, double[] y, int color, double lineWidth, double markerRadius,
                         Style style) {
        public Series {
            Objects.requireNonNull(name, "series name is null");
            Objects.requireNonNull(x, () -> "series '" + name + "': x is null");
            Objects.requireNonNull(y, () -> "series '" + name + "': y is null");
            Objects.requireNonNull(style, () -> "series '" + name + "': style is null");
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but " + y.length + " y values");
            }
            if (!(lineWidth > 0 && lineWidth <= 64) || !(markerRadius > 0 && markerRadius <= 64)) {
                throw new IllegalArgumentException("series '" + name + "': line width " + lineWidth
                        + " or marker radius " + markerRadius + " not in (0, 64]");
            }
        }

        public static Series line(String name, double[] x, double[] y, int color, double lineWidth) {
            return new Series(name, x, y, color, lineWidth, Math.max(1.5, lineWidth), Style.LINE);
        }

        public static Series markers(String name, double[] x, double[] y, int color, double radius) {
            return new Series(name, x, y, color, 1, radius, Style.MARKERS);
        }

        public static Series lineAndMarkers(String name, double[] x, double[] y, int color, double lineWidth, double radius) {
            return new Series(name, x, y, color, lineWidth, radius, Style.LINE_AND_MARKERS);
        }
    }

    /** The drawn chart and where its data lies. */
    public record Rendered(Canvas canvas, PlotArea area) {
    }

    static final int BACKGROUND = 0xFFFFFF;
    static final int INK = 0x222222;
    static final int FRAME = 0x555555;
    static final int GRID = 0xE4E4E4;

    private final Builder b;

    private LinePlot(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The text scale a chart of this size uses unless told otherwise (2 at 1200×720). */
    public static int defaultTextScale(int width, int height) {
        return Decor.defaultScale(width, height);
    }

    /** Draws the chart. */
    public Rendered render() {
        int w = b.width;
        int h = b.height;
        int s = b.textScale > 0 ? b.textScale : Decor.defaultScale(w, h);
        Canvas c = new Canvas(w, h, BACKGROUND);
        boolean logY = b.logY;

        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series se : b.series) {
            for (int i = 0; i < se.x().length; i++) {
                double x = se.x()[i], y = se.y()[i];
                if (!Double.isFinite(x) || !Double.isFinite(y) || (logY && !(y > 0))) continue;
                xMin = Math.min(xMin, x);
                xMax = Math.max(xMax, x);
                yMin = Math.min(yMin, y);
                yMax = Math.max(yMax, y);
            }
        }
        boolean empty = xMin > xMax;
        if (empty) {
            xMin = 0;
            xMax = 1;
            yMin = logY ? 1 : 0;
            yMax = logY ? 10 : 1;
        }

        Decor.Layout lay = Decor.layout(w, h, s, b.title, b.xLabel, b.yLabel);
        Axis yAxis = Axis.fit(yMin, yMax, logY ? Axis.Scale.LOG : Axis.Scale.LINEAR, 0.05, false,
                Math.max(2, Math.min(10, lay.plotHeight() / (Canvas.capHeight(s) * 4))));
        int left = lay.leftFor(Decor.maxWidth(yAxis.labels(), s));
        int plotW = lay.rightEdge() - left;
        if (plotW < 16) throw new IllegalArgumentException("plot " + w + "×" + h + " leaves no room for data (" + plotW + " px wide)");
        Axis xAxis = Decor.fitX(xMin, xMax, b.integerX, plotW, s);
        PlotArea area = new PlotArea(left, lay.top(), plotW, lay.plotHeight(), xAxis, yAxis);

        Decor.grid(c, area);
        c.clip(area.left(), area.top(), area.left() + area.width(), area.top() + area.height());
        List<double[][]> mapped = new ArrayList<>();
        for (Series se : b.series) mapped.add(draw(c, area, se));
        c.resetClip();
        Decor.frameAndTicks(c, area, s);
        Decor.titles(c, area, s, b.title, b.xLabel, b.yLabel);
        if (empty) Decor.centeredText(c, area, "no data", s, FRAME);
        legend(c, area, s, mapped);
        return new Rendered(c, area);
    }

    /** Renders and writes the PNG (atomically). */
    public void write(Path png) throws IOException {
        PngEncoder.write(png, render().canvas());
    }

    /** Draws one series; returns its drawn pixel positions [x[], y[]] (for legend placement). */
    private static double[][] draw(Canvas c, PlotArea area, Series se) {
        int n = se.x().length;
        double[] px = new double[n];
        double[] py = new double[n];
        for (int i = 0; i < n; i++) {
            px[i] = area.px(se.x()[i]);
            py[i] = area.py(se.y()[i]);
        }
        boolean line = se.style() != Style.MARKERS;
        boolean markers = se.style() != Style.LINE;
        int i = 0;
        while (i < n) {
            if (!finite(px[i], py[i])) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && finite(px[j], py[j])) j++;
            // run [i, j) of drawable points
            if (line) {
                if (j - i == 1) { // a point alone between gaps: a dot, so it shows
                    c.disc(px[i], py[i], Math.max(2.5, 2 * se.lineWidth()), se.color());
                } else {
                    int[] keep = Decimation.m4(px, py, i, j, area.width());
                    for (int k = 1; k < keep.length; k++) {
                        c.line(px[keep[k - 1]], py[keep[k - 1]], px[keep[k]], py[keep[k]], se.lineWidth(), se.color());
                    }
                }
            }
            if (markers) {
                for (int k = i; k < j; k++) c.disc(px[k], py[k], se.markerRadius(), se.color());
            }
            i = j;
        }
        return new double[][] {px, py};
    }

    private static boolean anyDrawn(double[][] pixels) {
        for (int i = 0; i < pixels[0].length; i++) if (finite(pixels[0][i], pixels[1][i])) return true;
        return false;
    }

    private static boolean finite(double a, double b) {
        return Double.isFinite(a) && Double.isFinite(b);
    }

    private void legend(Canvas c, PlotArea area, int s, List<double[][]> mapped) {
        List<Series> named = new ArrayList<>();
        for (int k = 0; k < b.series.size(); k++) {
            Series se = b.series.get(k);
            if (!se.name().isEmpty() && anyDrawn(mapped.get(k))) named.add(se);
        }
        if (named.isEmpty()) return;
        int pad = 4 * s;
        int sample = 18 * s;
        int rowH = 9 * s + 3 * s;
        int textW = 0;
        for (Series se : named) textW = Math.max(textW, Canvas.textWidth(se.name(), s));
        int boxW = pad + sample + 3 * s + textW + pad;
        int boxH = pad + named.size() * rowH - 3 * s + pad;
        int inset = 6 * s;
        int[][] corners = {
            {area.left() + area.width() - inset - boxW, area.top() + inset},            // top right
            {area.left() + inset, area.top() + inset},                                  // top left
            {area.left() + area.width() - inset - boxW, area.top() + area.height() - inset - boxH}, // bottom right
            {area.left() + inset, area.top() + area.height() - inset - boxH},           // bottom left
        };
        int best = 0;
        long bestCount = Long.MAX_VALUE;
        for (int k = 0; k < corners.length; k++) {
            long count = 0;
            for (double[][] m : mapped) {
                for (int i = 0; i < m[0].length; i++) {
                    if (m[0][i] >= corners[k][0] && m[0][i] < corners[k][0] + boxW
                            && m[1][i] >= corners[k][1] && m[1][i] < corners[k][1] + boxH) count++;
                }
            }
            if (count < bestCount) {
                bestCount = count;
                best = k;
            }
        }
        int x0 = corners[best][0];
        int y0 = corners[best][1];
        c.fillRect(x0, y0, boxW, boxH, BACKGROUND);
        c.strokeRect(x0, y0, boxW, boxH, 0xBBBBBB);
        for (int r = 0; r < named.size(); r++) {
            Series se = named.get(r);
            int ty = y0 + pad + r * rowH;
            double cy = ty + Canvas.capHeight(s) / 2.0;
            double sx0 = x0 + pad;
            double sx1 = x0 + pad + sample;
            if (se.style() != Style.MARKERS) c.line(sx0, cy, sx1, cy, se.lineWidth(), se.color());
            if (se.style() != Style.LINE) c.disc((sx0 + sx1) / 2, cy, se.markerRadius(), se.color());
            c.text(se.name(), x0 + pad + sample + 3 * s, ty, s, INK);
        }
    }

    /** Configures a {@link LinePlot}. */
    public static final class Builder {
        private String title = "";
        private String xLabel = "";
        private String yLabel = "";
        private int width = 1200;
        private int height = 720;
        private int textScale;
        private boolean logY;
        private boolean integerX;
        private final List<Series> series = new ArrayList<>();

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

        /** Image size in pixels (default 1200×720; at least 200×150). */
        public Builder size(int width, int height) {
            PlotChecks.size("plot", width, height);
            this.width = width;
            this.height = height;
            return this;
        }

        /** Pixel size of a font pixel (default: by image size, 2 at 1200×720). */
        public Builder textScale(int scale) {
            PlotChecks.textScale(scale);
            this.textScale = scale;
            return this;
        }

        /** A log10 y axis (values ≤ 0 become gaps). */
        public Builder logY(boolean logY) {
            this.logY = logY;
            return this;
        }

        /** Ticks on x only at whole numbers (e.g. steps). */
        public Builder integerX(boolean integerX) {
            this.integerX = integerX;
            return this;
        }

        /** Adds a series, drawn in the order added (later on top). */
        public Builder add(Series s) {
            series.add(Objects.requireNonNull(s, "series"));
            return this;
        }

        public LinePlot build() {
            return new LinePlot(this);
        }
    }
}

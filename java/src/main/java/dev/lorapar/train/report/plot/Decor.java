package dev.lorapar.train.report.plot;

/**
 * What every chart of this package draws around its data: the layout of title, tick labels and axis
 * labels around the plot area, grid lines, the frame, tick marks and labels. Sizes are in multiples
 * of the text scale s (one font pixel = s × s image pixels).
 */
final class Decor {
    private Decor() {
    }

    /** 2 at 1200×720, 1 below about 900×540, larger for larger images. */
    static int defaultScale(int width, int height) {
        return Math.max(1, (int) Math.round(Math.min(width, height * 5 / 3.0) / 600.0));
    }

    static int margin(int s) {
        return 6 * s + 4;
    }

    static int tickLength(int s) {
        return 3 * s;
    }

    /** Lines of text take the glyph's full height (descenders included) plus this. */
    static int lineHeight(int s) {
        return BitmapFont.HEIGHT * s;
    }

    /**
     * The vertical layout (top of the plot area, its height) and the horizontal bounds, before the
     * y tick labels' width is known.
     *
     * @param rightEdge    the x just past the plot area (room kept for half an x tick label)
     * @param leftFixed    what lies left of the y tick labels: margin and the rotated y label
     */
    record Layout(int top, int plotHeight, int rightEdge, int leftFixed, int s) {
        /** The plot area's left edge given the width of the widest y tick label. */
        int leftFor(int yTickLabelWidth) {
            return leftFixed + yTickLabelWidth + 3 * s + tickLength(s);
        }
    }

    static Layout layout(int w, int h, int s, String title, String xLabel, String yLabel) {
        return layout(w, h, s, title, xLabel, yLabel, 3 * BitmapFont.ADVANCE * s);
    }

    /** As above with {@code rightReserve} pixels kept right of the plot area (e.g. for a colour bar). */
    static Layout layout(int w, int h, int s, String title, String xLabel, String yLabel, int rightReserve) {
        int margin = margin(s);
        int titleBand = title.isEmpty() ? 0 : lineHeight(s + 1) + 4 * s;
        int top = margin + titleBand + Canvas.capHeight(s) / 2 + s;
        int bottomBand = tickLength(s) + 3 * s + lineHeight(s) + (xLabel.isEmpty() ? 0 : 4 * s + lineHeight(s)) + margin;
        int plotHeight = h - top - bottomBand;
        int leftFixed = margin + (yLabel.isEmpty() ? 0 : lineHeight(s) + 4 * s);
        int rightEdge = w - margin - rightReserve;
        if (plotHeight < 16 || rightEdge - leftFixed < 32) {
            throw new IllegalArgumentException("plot " + w + "×" + h + " at text scale " + s + " leaves no room for data");
        }
        return new Layout(top, plotHeight, rightEdge, leftFixed, s);
    }

    static int maxWidth(String[] labels, int s) {
        int m = 0;
        for (String l : labels) m = Math.max(m, Canvas.textWidth(l, s));
        return m;
    }

    /** The x axis with as many ticks (≤ 10) as fit without their labels touching. */
    static Axis fitX(double min, double max, boolean integer, int plotWidth, int s) {
        Axis axis = null;
        for (int target = 10; target >= 2; target--) {
            axis = Axis.fit(min, max, Axis.Scale.LINEAR, 0.02, integer, target);
            double[] t = axis.ticks();
            if (t.length < 2) return axis;
            double spacing = plotWidth * (axis.fraction(t[1]) - axis.fraction(t[0]));
            if (spacing >= maxWidth(axis.labels(), s) + 2 * BitmapFont.ADVANCE * s) return axis;
        }
        return axis;
    }

    private static int column(PlotArea a, double v) {
        double px = a.px(v);
        return (int) Math.min(a.left() + a.width() - 1, Math.max(a.left(), Math.floor(px)));
    }

    private static int row(PlotArea a, double v) {
        double py = a.py(v);
        return (int) Math.min(a.top() + a.height() - 1, Math.max(a.top(), Math.floor(py)));
    }

    static void grid(Canvas c, PlotArea a) {
        for (double t : a.x().ticks()) c.fillRect(column(a, t), a.top(), 1, a.height(), LinePlot.GRID);
        for (double t : a.y().ticks()) c.fillRect(a.left(), row(a, t), a.width(), 1, LinePlot.GRID);
    }

    static void frameAndTicks(Canvas c, PlotArea a, int s) {
        c.strokeRect(a.left() - 1, a.top() - 1, a.width() + 2, a.height() + 2, LinePlot.FRAME);
        int tick = tickLength(s);
        int thick = Math.max(1, s / 2);
        double[] xt = a.x().ticks();
        String[] xl = a.x().labels();
        int bottom = a.top() + a.height() + 1;
        for (int i = 0; i < xt.length; i++) {
            int x = column(a, xt[i]);
            c.fillRect(x, bottom, thick, tick, LinePlot.FRAME);
            c.text(xl[i], x - Canvas.textWidth(xl[i], s) / 2, bottom + tick + 3 * s, s, LinePlot.INK);
        }
        yTicks(c, a, a.left() - 1, s, true);
    }

    /** Tick marks and labels of the y axis on the left (outward from x = edge) or right side. */
    static void yTicks(Canvas c, PlotArea a, int edge, int s, boolean left) {
        int tick = tickLength(s);
        int thick = Math.max(1, s / 2);
        double[] yt = a.y().ticks();
        String[] yl = a.y().labels();
        for (int i = 0; i < yt.length; i++) {
            int y = row(a, yt[i]);
            int tw = Canvas.textWidth(yl[i], s);
            if (left) {
                c.fillRect(edge - tick, y, tick, thick, LinePlot.FRAME);
                c.text(yl[i], edge - tick - 3 * s - tw, y - Canvas.capHeight(s) / 2, s, LinePlot.INK);
            } else {
                c.fillRect(edge + 1, y, tick, thick, LinePlot.FRAME);
                c.text(yl[i], edge + 1 + tick + 3 * s, y - Canvas.capHeight(s) / 2, s, LinePlot.INK);
            }
        }
    }

    static void titles(Canvas c, PlotArea a, int s, String title, String xLabel, String yLabel) {
        int margin = margin(s);
        int centreX = a.left() + a.width() / 2;
        if (!title.isEmpty()) {
            int ts = s + 1;
            c.text(title, Math.max(margin, centreX - Canvas.textWidth(title, ts) / 2), margin, ts, LinePlot.INK);
        }
        if (!xLabel.isEmpty()) {
            int y = a.top() + a.height() + 1 + tickLength(s) + 3 * s + lineHeight(s) + 4 * s;
            c.text(xLabel, centreX - Canvas.textWidth(xLabel, s) / 2, y, s, LinePlot.INK);
        }
        if (!yLabel.isEmpty()) {
            int yBottom = a.top() + a.height() / 2 + Canvas.textWidth(yLabel, s) / 2;
            c.textUp(yLabel, margin, yBottom, s, LinePlot.INK);
        }
    }

    static void centeredText(Canvas c, PlotArea a, String text, int s, int color) {
        int ts = s + 1;
        c.text(text, a.left() + (a.width() - Canvas.textWidth(text, ts)) / 2,
                a.top() + (a.height() - Canvas.capHeight(ts)) / 2, ts, color);
    }
}

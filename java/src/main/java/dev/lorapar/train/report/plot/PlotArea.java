package dev.lorapar.train.report.plot;

/**
 * Where a plot's data lands on its canvas: the rectangle [left, left + width) × [top, top + height)
 * and the two axes mapping values into it; y grows upwards, or downwards when {@code yDown} (matrix
 * rows in a heatmap).
 */
public record PlotArea(int left, int top, int width, int height, Axis x, Axis y, boolean yDown) {

    /** An area whose y grows upwards. */
    public PlotArea(int left, int top, int width, int height, Axis x, Axis y) {
        this(left, top, width, height, x, y, false);
    }

    /** The pixel column (fractional) of value {@code vx}; NaN when the axis cannot show it. */
    public double px(double vx) {
        return left + x.fraction(vx) * width;
    }

    /** The pixel row (fractional) of value {@code vy}; NaN when the axis cannot show it. */
    public double py(double vy) {
        double f = y.fraction(vy);
        return top + (yDown ? f : 1 - f) * height;
    }

    /** Whether pixel (x, y) lies inside the area. */
    public boolean contains(int px, int py) {
        return px >= left && px < left + width && py >= top && py < top + height;
    }
}

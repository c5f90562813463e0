package dev.lorapar.train.report.plot;

/**
 * A perceptually ordered dark-purple → blue → green → yellow colour scale (the shape of matplotlib's
 * "viridis", here as nine anchor colours joined linearly). Monotone in lightness, readable in grey.
 */
public final class ColorMap {
    private static final int[] ANCHORS = {
        0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725,
    };

    /** The colour of NaN cells (and of values a log scale cannot show when asked so). */
    public static final int MISSING = 0x9A9A9A;

    private ColorMap() {
    }

    /** The colour at t in [0, 1] (clamped; NaN → {@link #MISSING}), as 0xRRGGBB. */
    public static int color(double t) {
        if (Double.isNaN(t)) return MISSING;
        double u = Math.max(0, Math.min(1, t)) * (ANCHORS.length - 1);
        int i = Math.min(ANCHORS.length - 2, (int) Math.floor(u));
        return Canvas.mix(ANCHORS[i], ANCHORS[i + 1], u - i);
    }
}

package dev.lorapar.train.report.plot;

/** The argument checks every plot builder shares. */
public final class PlotChecks {
    private PlotChecks() {
    }

    /** An image size within 200×150 … 16384×16384; {@code what} names the plot in the message. */
    public static void size(String what, int width, int height) {
        if (width < 200 || height < 150 || width > 16384 || height > 16384) {
            throw new IllegalArgumentException(what + " size " + width + "×" + height
                    + " is not within 200×150 … 16384×16384");
        }
    }

    /** A font pixel scale within 1…8. */
    public static void textScale(int scale) {
        if (scale < 1 || scale > 8) {
            throw new IllegalArgumentException("text scale " + scale + " is not within 1…8");
        }
    }
}

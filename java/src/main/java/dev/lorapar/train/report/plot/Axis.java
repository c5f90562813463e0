package dev.lorapar.train.report.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The value range of one plot axis with its ticks and their labels. Linear axes pad the data range
 * and put ticks at 1, 2, 5 × 10^k; they compute in a range scaled by a power of ten, so spans up to
 * the largest doubles work. Log axes (base 10) put ticks at decades (every n-th when there are many),
 * else at 1, 2, 5 × 10^k, else at linear nice numbers. A zero-width range is widened around its value.
 */
public final class Axis {

    public enum Scale { LINEAR, LOG }

    private final Scale scale;
    // linear: the range in units of 10^exponent; log: the range of log10(value)
    private final double lo;
    private final double hi;
    private final int exponent;
    private final double[] ticks;
    private final String[] labels;

    private Axis(Scale scale, double lo, double hi, int exponent, double[] ticks, String[] labels) {
        this.scale = scale;
        this.lo = lo;
        this.hi = hi;
        this.exponent = exponent;
        this.ticks = ticks;
        this.labels = labels;
    }

    /**
     * An axis showing the finite data range [min, max] (for LOG both &gt; 0) widened by
     * {@code pad} × its span on both sides, with about {@code targetTicks} ticks.
     *
     * @param integerTicks ticks only at whole numbers (e.g. steps)
     */
    public static Axis fit(double min, double max, Scale scale, double pad, boolean integerTicks, int targetTicks) {
        if (!(Double.isFinite(min) && Double.isFinite(max)) || min > max) {
            throw new IllegalArgumentException("axis range [" + min + ", " + max + "] is not a finite interval");
        }
        if (scale == Scale.LOG && !(min > 0)) {
            throw new IllegalArgumentException("log axis range [" + min + ", " + max + "] has values ≤ 0");
        }
        if (!(pad >= 0) || targetTicks < 2) {
            throw new IllegalArgumentException("axis pad " + pad + " < 0 or target ticks " + targetTicks + " < 2");
        }
        return scale == Scale.LINEAR ? linear(min, max, pad, integerTicks, targetTicks) : log(min, max, pad, targetTicks);
    }

    private static Axis linear(double min, double max, double pad, boolean integerTicks, int target) {
        double big = Math.max(Math.abs(min), Math.abs(max));
        int e = big == 0 ? 0 : (int) Math.floor(Math.log10(big));
        double s = pow10(-e);
        double uMin = min * s;
        double uMax = max * s;
        double lo;
        double hi;
        if (uMax - uMin <= Math.max(Math.abs(uMin), Math.abs(uMax)) * 1e-9) { // flat (to 1e-9): widen around the value
            double w = uMin == 0 ? 1 : Math.abs(uMin) * 0.05;
            if (integerTicks) w = Math.max(w, s); // at least ±1 in value
            lo = uMin - w;
            hi = uMax + w;
        } else {
            double p = pad * (uMax - uMin);
            lo = uMin - p;
            hi = uMax + p;
        }
        double step = niceStep((hi - lo) / target);
        if (integerTicks && step < s) step = s; // value step ≥ 1 (s = 10^-e ≤ 1 here unless values < 1)
        List<Double> t = new ArrayList<>();
        long first = (long) Math.ceil(lo / step - 1e-9);
        for (long i = first; i * step <= hi + step * 1e-9 && t.size() < 1000; i++) t.add(i * step);
        double[] ticks = new double[t.size()];
        String[] labels = new String[t.size()];
        double valueStep = step * pow10(e);
        for (int i = 0; i < ticks.length; i++) {
            ticks[i] = t.get(i) * pow10(e);
            labels[i] = linearLabel(ticks[i], valueStep);
        }
        return new Axis(Scale.LINEAR, lo, hi, e, ticks, labels);
    }

    private static Axis log(double min, double max, double pad, int target) {
        double tMin = Math.log10(min);
        double tMax = Math.log10(max);
        double lo;
        double hi;
        if (tMax - tMin < 1e-9) {
            lo = tMin - 0.3;
            hi = tMax + 0.3;
        } else {
            double p = pad * (tMax - tMin);
            lo = tMin - p;
            hi = tMax + p;
        }
        List<Double> t = new ArrayList<>();
        int d0 = (int) Math.ceil(lo - 1e-9);
        int d1 = (int) Math.floor(hi + 1e-9);
        if (d1 - d0 + 1 >= 3) {
            // every n-th decade, n = 1, 2, 5, 10, 20 … so that at most target + 1 ticks remain
            int stride = (int) Math.max(1, niceStep(Math.max(1, (d1 - d0) / (double) target)));
            for (int d = d0; d <= d1; d++) if (Math.floorMod(d, stride) == 0) t.add(pow10(d));
        } else {
            for (int d = (int) Math.floor(lo) - 1; d <= (int) Math.ceil(hi); d++) {
                for (int m : new int[] {1, 2, 5}) {
                    double v = m * pow10(d);
                    double lv = Math.log10(v);
                    if (lv >= lo - 1e-9 && lv <= hi + 1e-9) t.add(v);
                }
            }
            if (t.size() < 3) { // less than a decade: linear nice numbers inside the range
                Axis lin = linear(pow10(lo), pow10(hi), 0, false, target);
                t.clear();
                for (double v : lin.ticks) if (v > 0 && Math.log10(v) >= lo - 1e-9 && Math.log10(v) <= hi + 1e-9) t.add(v);
                double[] ticks = t.stream().mapToDouble(Double::doubleValue).toArray();
                String[] labels = new String[ticks.length];
                double step = ticks.length > 1 ? ticks[1] - ticks[0] : Math.abs(ticks.length == 1 ? ticks[0] : 1);
                for (int i = 0; i < ticks.length; i++) labels[i] = linearLabel(ticks[i], step);
                return new Axis(Scale.LOG, lo, hi, 0, ticks, labels);
            }
        }
        double[] ticks = t.stream().mapToDouble(Double::doubleValue).toArray();
        String[] labels = new String[ticks.length];
        for (int i = 0; i < ticks.length; i++) labels[i] = logLabel(ticks[i]);
        return new Axis(Scale.LOG, lo, hi, 0, ticks, labels);
    }

    /** 1, 2 or 5 × 10^k, the smallest of them ≥ raw. */
    static double niceStep(double raw) {
        int e = (int) Math.floor(Math.log10(raw));
        double base = pow10(e);
        double f = raw / base;
        double m = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
        return m * base;
    }

    private static double pow10(double e) {
        return Math.pow(10, e);
    }

    /** A linear tick label with as many decimals as the step needs; scientific for |v| ≥ 1e6 or &lt; 1e-4. */
    static String linearLabel(double v, double step) {
        double a = Math.abs(v);
        if (v == 0 || a < Math.abs(step) * 1e-6) return "0";
        if (a >= 1e6 || a < 1e-4) {
            int digits = (int) Math.max(0, Math.min(10, Math.floor(Math.log10(a) + 1e-9) - Math.floor(Math.log10(step) + 1e-9)));
            return tidyExponent(String.format(Locale.ROOT, "%." + digits + "e", v));
        }
        int decimals = (int) Math.max(0, Math.min(15, -Math.floor(Math.log10(step) + 1e-9)));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** A log tick label: plain from 0.001 to 99999 ("0.002", "500"), else "2e-5", "1e6". */
    static String logLabel(double v) {
        int e = (int) Math.floor(Math.log10(v) + 1e-9);
        if (e >= -3 && e <= 4) return String.format(Locale.ROOT, "%." + Math.max(0, -e) + "f", v);
        return tidyExponent(String.format(Locale.ROOT, "%.0e", v));
    }

    /** "1.50e+06" → "1.50e6", "2e-05" → "2e-5". */
    private static String tidyExponent(String s) {
        int i = s.indexOf('e');
        String mant = s.substring(0, i);
        int exp = Integer.parseInt(s.substring(i + 1).replace("+", ""));
        return mant + "e" + exp;
    }

    /** Where {@code v} lies: 0 at the low end, 1 at the high end; NaN for values the axis cannot show. */
    public double fraction(double v) {
        if (!Double.isFinite(v)) return Double.NaN;
        if (scale == Scale.LOG) return v > 0 ? (Math.log10(v) - lo) / (hi - lo) : Double.NaN;
        return (v * pow10(-exponent) - lo) / (hi - lo);
    }

    /** The lowest value shown. */
    public double min() {
        return scale == Scale.LOG ? pow10(lo) : lo * pow10(exponent);
    }

    /** The highest value shown. */
    public double max() {
        return scale == Scale.LOG ? pow10(hi) : hi * pow10(exponent);
    }

    public Scale scale() {
        return scale;
    }

    /** Tick values, ascending, all within [min(), max()]. */
    public double[] ticks() {
        return ticks.clone();
    }

    /** The label of each tick. */
    public String[] labels() {
        return labels.clone();
    }
}

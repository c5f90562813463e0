package dev.lorapar.tests.train.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.report.plot.Axis;
import dev.lorapar.train.report.plot.Canvas;
import dev.lorapar.train.report.plot.LinePlot;
import dev.lorapar.train.report.plot.PlotArea;
import dev.lorapar.train.report.plot.PngEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** The plot building blocks: axis ticks, the raster's lines and text, the PNG encoder, thinning of long series. */
class PlotPrimitivesTest {

    @TempDir
    Path dir;

    /** Random ranges over all magnitudes: ticks nice, equally spaced, inside the padded range, labels readable. */
    @Test
    void linearTicks(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int i = 0; i < 2000; i++) {
            double scale = Math.pow(10, rng.between(-300, 300));
            double a = (rng.nextDouble() * 2 - 1) * scale;
            // relative spans from 1e-7 up, or none (flat)
            double b = rng.nextDouble() < 0.1 ? a : a + (0.1 + 0.9 * rng.nextDouble()) * scale * Math.pow(10, -rng.nextInt(7));
            String ctx = "[" + a + ", " + b + "] " + rng.tag();
            Axis axis = Axis.fit(Math.min(a, b), Math.max(a, b), Axis.Scale.LINEAR, 0.05, false, 6);
            double[] t = axis.ticks();
            assertTrue(Double.isFinite(axis.min()) && Double.isFinite(axis.max()), ctx);
            assertTrue(axis.min() <= Math.min(a, b) && axis.max() >= Math.max(a, b), ctx);
            assertTrue(axis.min() < axis.max(), "a flat range is widened " + ctx);
            assertTrue(t.length >= 2 && t.length <= 13, t.length + " ticks " + ctx);
            double step = t[1] - t[0];
            // the mantissa of the step in [1, 10); a step a hair below a power of ten (the rounding of t[1] − t[0]
            // at huge magnitudes) counts as that power
            double mant = step / Math.pow(10, Math.floor(Math.log10(step)));
            if (mant > 9.99999) mant /= 10;
            assertTrue(Math.abs(mant - 1) < 1e-6 || Math.abs(mant - 2) < 1e-6 || Math.abs(mant - 5) < 1e-6,
                    "step " + step + " " + ctx);
            String[] labels = axis.labels();
            Set<String> distinct = new HashSet<>(Arrays.asList(labels));
            assertEquals(t.length, distinct.size(), Arrays.toString(labels) + " " + ctx);
            for (int k = 0; k < t.length; k++) {
                assertTrue(t[k] >= axis.min() - step * 1e-6 && t[k] <= axis.max() + step * 1e-6, ctx);
                if (k > 0) assertEquals(step, t[k] - t[k - 1], Math.abs(step) * 1e-6, ctx);
                double parsed = Double.parseDouble(labels[k]);
                assertEquals(t[k], parsed, Math.abs(step) * 1e-3, labels[k] + " " + ctx);
                assertTrue(labels[k].length() <= 16, labels[k]);
            }
            // fractions: data ends inside [0, 1], monotone
            assertTrue(axis.fraction(Math.min(a, b)) >= 0 && axis.fraction(Math.max(a, b)) <= 1, ctx);
        }
    }

    @Test
    void linearTickCases() {
        Axis steps = Axis.fit(4, 6, Axis.Scale.LINEAR, 0.02, true, 10);
        for (double t : steps.ticks()) assertEquals(Math.rint(t), t, "integer ticks: " + Arrays.toString(steps.ticks()));
        Axis single = Axis.fit(5, 5, Axis.Scale.LINEAR, 0.02, true, 6);
        assertTrue(single.min() <= 4 && single.max() >= 6, single.min() + " " + single.max());
        assertArrayEquals(new String[] {"0", "0.5", "1.0"}, Axis.fit(0, 1, Axis.Scale.LINEAR, 0, false, 2).labels());
        Axis huge = Axis.fit(-1.7e308, 1.7e308, Axis.Scale.LINEAR, 0.05, false, 6);
        for (double t : huge.ticks()) assertTrue(Double.isFinite(t), Arrays.toString(huge.ticks()));
        assertEquals("1e6", Axis.fit(0, 4e6, Axis.Scale.LINEAR, 0, false, 4).labels()[1]);
        assertThrows(IllegalArgumentException.class, () -> Axis.fit(Double.NaN, 1, Axis.Scale.LINEAR, 0, false, 5));
        assertThrows(IllegalArgumentException.class, () -> Axis.fit(2, 1, Axis.Scale.LINEAR, 0, false, 5));
        assertThrows(IllegalArgumentException.class, () -> Axis.fit(0, 1, Axis.Scale.LOG, 0, false, 5));
    }

    @Test
    void logTicks() {
        Axis decades = Axis.fit(1e-3, 1e3, Axis.Scale.LOG, 0, false, 8);
        assertArrayEquals(new String[] {"0.001", "0.01", "0.1", "1", "10", "100", "1000"}, decades.labels());
        assertEquals(0.5, decades.fraction(1), 1e-12);
        Axis wide = Axis.fit(1e-30, 1e30, Axis.Scale.LOG, 0, false, 6);
        assertTrue(wide.ticks().length <= 7 && wide.ticks().length >= 3, Arrays.toString(wide.labels()));
        assertTrue(Arrays.asList(wide.labels()).contains("1e-20"), Arrays.toString(wide.labels()));
        Axis oneTwoFive = Axis.fit(0.15, 40, Axis.Scale.LOG, 0, false, 8);
        assertArrayEquals(new String[] {"0.2", "0.5", "1", "2", "5", "10", "20"}, oneTwoFive.labels());
        Axis narrow = Axis.fit(1.15, 1.6, Axis.Scale.LOG, 0, false, 6); // no 1-2-5 ticks: linear ones
        assertTrue(narrow.ticks().length >= 2, Arrays.toString(narrow.labels()));
        for (double t : narrow.ticks()) assertTrue(t >= narrow.min() && t <= narrow.max());
        assertTrue(Double.isNaN(decades.fraction(0)) && Double.isNaN(decades.fraction(-1)));
    }

    /** A 1-pixel horizontal line through pixel centres colours exactly one row, fully. */
    @Test
    void linesCoverThePixelsTheyCross() {
        Canvas c = new Canvas(40, 30, 0xFFFFFF);
        c.line(5.5, 10.5, 30.5, 10.5, 1, 0x123456);
        for (int x = 0; x < 40; x++) {
            for (int y = 0; y < 30; y++) {
                boolean on = y == 10 && x >= 5 && x <= 30;
                if (on) assertEquals(0x123456, c.get(x, y), x + "," + y);
                if (y != 10 && y != 9 && y != 11) assertEquals(0xFFFFFF, c.get(x, y), x + "," + y);
            }
        }
        // a thick diagonal: pixels on it take the colour, pixels 5 px away do not
        Canvas d = new Canvas(50, 50, 0xFFFFFF);
        d.line(5, 5, 45, 45, 3, 0xFF0000);
        for (int k = 6; k < 44; k++) {
            assertEquals(0xFF0000, d.get(k, k));
            assertEquals(0xFFFFFF, d.get(k, Math.min(49, k + 5)));
        }
        // clipping
        Canvas e = new Canvas(20, 20, 0);
        e.clip(0, 0, 10, 20);
        e.line(0, 5.5, 19, 5.5, 1, 0xFFFFFF);
        assertEquals(0xFFFFFF, e.get(9, 5));
        assertEquals(0, e.get(10, 5));
        // non-finite endpoints draw nothing
        e.resetClip();
        e.line(Double.NaN, 0, 10, 10, 2, 0xFFFFFF);
        e.disc(Double.POSITIVE_INFINITY, 3, 2, 0xFFFFFF);
        assertEquals(0, e.get(15, 15));
    }

    /** Every printable ASCII character has its own glyph with ink (space has none); others draw a box. */
    @Test
    void fontGlyphsAreDistinct() {
        Set<String> seen = new HashSet<>();
        for (char ch = 32; ch < 127; ch++) {
            Canvas c = new Canvas(8, 12, 0xFFFFFF);
            c.text(String.valueOf(ch), 1, 1, 1, 0);
            String bits = Arrays.toString(c.pixels());
            long ink = Arrays.stream(c.pixels()).filter(p -> p == 0).count();
            if (ch == ' ') assertEquals(0, ink);
            else assertTrue(ink > 0, "no ink for '" + ch + "'");
            assertTrue(seen.add(bits), "glyph of '" + ch + "' repeats another");
        }
        Canvas box = new Canvas(8, 12, 0xFFFFFF);
        box.text("\u00e9", 1, 1, 1, 0);
        assertEquals(20, Arrays.stream(box.pixels()).filter(p -> p == 0).count(), "5×7 hollow box");
        assertEquals((3 * 6 - 1) * 3, Canvas.textWidth("abc", 3), "three 5-wide glyphs, 1 apart, ×3");
        // text scaled ×2: an 'I' at (10, 10) has its top bar from x 12 to 17
        Canvas t = new Canvas(30, 30, 0xFFFFFF);
        t.text("I", 10, 10, 2, 0);
        for (int x = 12; x < 18; x++) assertEquals(0, t.get(x, 10));
        assertEquals(0xFFFFFF, t.get(11, 10));
        assertEquals(0xFFFFFF, t.get(18, 10));
    }

    /** Random pixels survive encoding: javax.imageio decodes exactly the canvas. */
    @Test
    void pngRoundTrip(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        for (int[] size : new int[][] {{1, 1}, {3, 7}, {257, 33}}) {
            Canvas c = new Canvas(size[0], size[1], 0);
            for (int y = 0; y < size[1]; y++) {
                for (int x = 0; x < size[0]; x++) {
                    c.set(x, y, rng.nextDouble() < 0.5 ? (int) (rng.nextLong() & 0xFFFFFF) : (x * 7 + y) & 0xFF);
                }
            }
            byte[] png = PngEncoder.encode(c);
            assertEquals((byte) 0x89, png[0]);
            assertEquals("PNG", new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
            Png.assertDecodesTo(png, c);
        }
        Path file = dir.resolve("sub/dir/x.png");
        Canvas c = new Canvas(20, 10, 0xABCDEF);
        PngEncoder.write(file, c);
        Png.assertDecodesTo(Files.readAllBytes(file), c);
        try (var list = Files.list(file.getParent())) {
            assertEquals(1, list.count(), "no temporary file left behind");
        }
    }

    /**
     * 200,000 points of a random walk (far more than pixel columns): in every column, the pixels of
     * the lowest and highest point are drawn, so thinning loses no extreme.
     */
    @Test
    void thinnedSeriesKeepsEveryColumnsExtremes(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int n = 200_000;
        double[] x = new double[n];
        double[] y = new double[n];
        double v = 0;
        for (int i = 0; i < n; i++) {
            x[i] = i;
            v += rng.nextDouble() - 0.5;
            y[i] = v;
        }
        int color = 0x00AA00;
        long t0 = System.nanoTime();
        LinePlot.Rendered r = LinePlot.builder().size(800, 400).add(LinePlot.Series.line("", x, y, color, 3)).build().render();
        assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "rendering 200k points took over 3 s");
        PlotArea a = r.area();
        double[] lo = new double[a.width() + 2];
        double[] hi = new double[a.width() + 2];
        int[] loI = new int[a.width() + 2];
        int[] hiI = new int[a.width() + 2];
        Arrays.fill(lo, Double.POSITIVE_INFINITY);
        Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i++) {
            int col = (int) Math.floor(a.px(x[i])) - a.left();
            if (y[i] < lo[col]) { lo[col] = y[i]; loI[col] = i; }
            if (y[i] > hi[col]) { hi[col] = y[i]; hiI[col] = i; }
        }
        int checked = 0;
        for (int col = 0; col < lo.length; col++) {
            if (lo[col] > hi[col]) continue;
            for (int i : new int[] {loI[col], hiI[col]}) {
                int px = (int) Math.floor(a.px(x[i]));
                int py = (int) Math.floor(a.py(y[i]));
                if (!a.contains(px, py)) continue;
                assertEquals(color, r.canvas().get(px, py), "extreme point " + i + " of column " + col + " not drawn " + rng.tag());
                checked++;
            }
        }
        assertTrue(checked > a.width(), "checked " + checked);
    }

    @Test
    void canvasRefusesBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> new Canvas(0, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Canvas(5, 20000, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> new Canvas(5, 5, 0).get(5, 0));
        assertThrows(IllegalArgumentException.class, () -> LinePlot.builder().size(50, 50));
        assertThrows(IllegalArgumentException.class,
                () -> LinePlot.Series.line("a", new double[2], new double[3], 0, 1));
    }
}

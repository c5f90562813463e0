package dev.lorapar.tests.train.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.report.LossPlot;
import dev.lorapar.train.report.MetricsLog;
import dev.lorapar.train.report.MetricsRecord;
import dev.lorapar.train.report.plot.Canvas;
import dev.lorapar.train.report.plot.LinePlot;
import dev.lorapar.train.report.plot.PlotArea;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** LossPlot: a decodable PNG of the right size whose curves are where the values say; edge cases. */
class LossPlotTest {

    @TempDir
    Path dir;

    private static List<MetricsRecord> line(int n, java.util.function.LongToDoubleFunction loss) {
        List<MetricsRecord> out = new ArrayList<>();
        for (long s = 1; s <= n; s++) out.add(MetricsRecord.atStep(s).loss(loss.applyAsDouble(s)).build());
        return out;
    }

    private static long count(Canvas c, int color) {
        long n = 0;
        for (int p : c.pixels()) if (p == color) n++;
        return n;
    }

    /** Whether {@code color} is within {@code r} pixels of (x, y). */
    private static boolean near(Canvas c, double x, double y, int r, int color) {
        for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
                int px = (int) Math.floor(x) + dx, py = (int) Math.floor(y) + dy;
                if (px >= 0 && py >= 0 && px < c.width() && py < c.height() && c.get(px, py) == color) return true;
            }
        }
        return false;
    }

    /** The written file is a PNG of the asked size, decoding to exactly the rendered pixels. */
    @Test
    void writesADecodablePngOfTheAskedSize(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        List<MetricsRecord> recs = new ArrayList<>();
        for (long s = 1; s <= 500; s++) {
            MetricsRecord.Builder b = MetricsRecord.atStep(s).loss(3 * Math.exp(-s / 100.0) + 0.3 * rng.nextDouble());
            if (s % 50 == 0) b.evalLoss(3 * Math.exp(-s / 100.0) + 0.2);
            recs.add(b.build());
        }
        for (int[] size : new int[][] {{1200, 720}, {640, 400}}) {
            Path png = dir.resolve("loss-" + size[0] + ".png");
            LossPlot plot = LossPlot.builder().size(size[0], size[1]).build();
            plot.write(png, recs);
            Canvas want = plot.render(recs).canvas();
            assertEquals(size[0], want.width());
            Png.assertDecodesTo(Files.readAllBytes(png), want);
        }
        // from a metrics log on disk
        Path log = dir.resolve("metrics.jsonl");
        try (MetricsLog m = MetricsLog.create(log)) {
            for (MetricsRecord r : recs) m.append(r);
        }
        Files.writeString(log, "{\"step\":501,\"loss\":", java.nio.file.StandardOpenOption.APPEND);
        MetricsLog.Contents read = LossPlot.builder().build().write(dir.resolve("from-log.png"), log);
        assertEquals(500, read.records().size());
        assertEquals(1, read.badLines().size(), "the torn line is reported");
        assertTrue(Files.size(dir.resolve("from-log.png")) > 1000);
    }

    /** All three curves are drawn in their colours, in the legend and the data. */
    @Test
    void curvesHaveTheirColours() {
        List<MetricsRecord> recs = new ArrayList<>();
        for (long s = 1; s <= 300; s++) {
            MetricsRecord.Builder b = MetricsRecord.atStep(s).loss(2 + Math.sin(s));
            if (s % 100 == 0) b.evalLoss(2.5);
            recs.add(b.build());
        }
        LinePlot.Rendered r = LossPlot.builder().smoothing(0.9).build().render(recs);
        assertTrue(count(r.canvas(), LossPlot.RAW) > 300, "raw loss");
        assertTrue(count(r.canvas(), LossPlot.SMOOTHED) > 300, "smoothed loss");
        assertTrue(count(r.canvas(), LossPlot.EVAL) > 50, "eval loss");
        for (long s : new long[] {100, 200, 300}) {
            PlotArea a = r.area();
            assertEquals(LossPlot.EVAL, r.canvas().get((int) Math.floor(a.px(s)), (int) Math.floor(a.py(2.5))), "eval marker at step " + s);
        }
    }

    /**
     * loss = step over steps 1…100, unsmoothed: the axes pad the data by 2% (x) and 5% (y), so the
     * point (100, 100) lies at a pixel computed here from the plot area alone, and it is drawn there.
     */
    @Test
    void aKnownPointLandsOnItsPixel() {
        LinePlot.Rendered r = LossPlot.builder().smoothing(0).build().render(line(100, s -> s));
        PlotArea a = r.area();
        double xLo = 1 - 0.02 * 99, xHi = 100 + 0.02 * 99;
        double yLo = 1 - 0.05 * 99, yHi = 100 + 0.05 * 99;
        double[][] points = {{100, 100}, {1, 1}, {50, 50}};
        for (double[] p : points) {
            double px = a.left() + (p[0] - xLo) / (xHi - xLo) * a.width();
            double py = a.top() + (yHi - p[1]) / (yHi - yLo) * a.height();
            assertEquals(px, a.px(p[0]), 1e-6, "x of step " + p[0]);
            assertEquals(py, a.py(p[1]), 1e-6, "y of loss " + p[1]);
            assertEquals(LossPlot.SMOOTHED, r.canvas().get((int) Math.floor(px), (int) Math.floor(py)),
                    "curve at (" + p[0] + ", " + p[1] + ") → pixel (" + px + ", " + py + ")");
        }
        // far from the diagonal there is no curve: the top-left region of the data is empty
        assertTrue(!near(r.canvas(), a.px(80), a.py(20), 5, LossPlot.SMOOTHED));
    }

    /** NaN losses at steps 40…60 break the line: no curve pixels between them. */
    @Test
    void nanLossesAreGaps() {
        LinePlot.Rendered r = LossPlot.builder().smoothing(0.5).build()
                .render(line(100, s -> s >= 40 && s <= 60 ? Double.NaN : s));
        PlotArea a = r.area();
        int x0 = (int) Math.ceil(a.px(39)) + 4, x1 = (int) Math.floor(a.px(61)) - 4;
        assertTrue(x1 - x0 > 50, "gap width " + (x1 - x0));
        int y0 = a.top() + a.height() / 5, y1 = a.top() + a.height() * 4 / 5;
        for (int x = x0; x <= x1; x++) {
            for (int y = y0; y <= y1; y++) {
                int p = r.canvas().get(x, y);
                assertTrue(p != LossPlot.SMOOTHED && p != LossPlot.RAW, "curve pixel in the gap at (" + x + ", " + y + ")");
            }
        }
        assertTrue(near(r.canvas(), a.px(39), a.py(39), 3, LossPlot.RAW) || near(r.canvas(), a.px(39), a.py(39), 3, LossPlot.SMOOTHED));
        assertTrue(near(r.canvas(), a.px(61), a.py(61), 3, LossPlot.RAW) || near(r.canvas(), a.px(61), a.py(61), 3, LossPlot.SMOOTHED));
    }

    @Test
    void singlePointIsADot() {
        LinePlot.Rendered r = LossPlot.builder().build().render(List.of(MetricsRecord.atStep(5).loss(2.3).build()));
        PlotArea a = r.area();
        assertEquals(LossPlot.SMOOTHED, r.canvas().get((int) Math.floor(a.px(5)), (int) Math.floor(a.py(2.3))));
        assertTrue(Math.abs(a.px(5) - (a.left() + a.width() / 2.0)) < 1, "a single step sits in the middle");
        assertTrue(Math.abs(a.py(2.3) - (a.top() + a.height() / 2.0)) < 1, "a single loss sits in the middle");
    }

    /** Nothing to draw (no records, only NaN): axes and "no data", no curve colour anywhere. */
    @Test
    void emptyAndAllNaNDrawNoCurve() {
        for (List<MetricsRecord> recs : List.of(List.<MetricsRecord>of(), line(20, s -> Double.NaN),
                List.of(MetricsRecord.atStep(3).lr(1e-4).build()))) {
            LinePlot.Rendered r = LossPlot.builder().build().render(recs);
            assertEquals(0, count(r.canvas(), LossPlot.SMOOTHED));
            assertEquals(0, count(r.canvas(), LossPlot.RAW));
            PlotArea a = r.area();
            long ink = 0;
            for (int y = a.top() + a.height() / 3; y < a.top() + 2 * a.height() / 3; y++) {
                for (int x = a.left() + a.width() / 3; x < a.left() + 2 * a.width() / 3; x++) {
                    if (r.canvas().get(x, y) == 0x555555) ink++;
                }
            }
            assertTrue(ink > 20, "'no data' written in the middle");
        }
    }

    /** A flat loss is a horizontal line through the middle of the plot. */
    @Test
    void flatLossIsAMiddleLine() {
        LinePlot.Rendered r = LossPlot.builder().smoothing(0).build().render(line(50, s -> 2.3));
        PlotArea a = r.area();
        double mid = a.top() + a.height() / 2.0;
        assertEquals(mid, a.py(2.3), 1);
        for (long s = 2; s < 50; s += 7) assertEquals(LossPlot.SMOOTHED, r.canvas().get((int) Math.floor(a.px(s)), (int) Math.floor(mid)));
    }

    /** Losses over 60 decades, linear and log, with zeros and negatives on the log axis: drawn, finite. */
    @Test
    void hugeRangesAndNonPositiveOnLog() {
        List<MetricsRecord> recs = line(61, s -> s == 30 ? 0 : s == 31 ? -1 : Math.pow(10, s - 31.0));
        LinePlot.Rendered lin = LossPlot.builder().smoothing(0).build().render(recs);
        assertTrue(count(lin.canvas(), LossPlot.SMOOTHED) > 50);
        LinePlot.Rendered log = LossPlot.builder().smoothing(0).logScale(true).build().render(recs);
        PlotArea a = log.area();
        // positive losses span 1e-30 … 1e30: log10 range [-30, 30] padded by 5% → [-33, 33]
        assertEquals(a.top() + (1 - (1 - -33.0) / 66.0) * a.height(), a.py(10), 1e-6);
        assertEquals(LossPlot.SMOOTHED, log.canvas().get((int) Math.floor(a.px(32)), (int) Math.floor(a.py(10))));
        assertEquals(LossPlot.SMOOTHED, log.canvas().get((int) Math.floor(a.px(61)), (int) Math.floor(a.py(1e30))));
        assertTrue(Double.isNaN(a.py(0)) && Double.isNaN(a.py(-1)), "≤ 0 cannot be shown on a log axis");
    }

    @Test
    void emaSkipsGapsAndIsDebiased() {
        double[] out = LossPlot.ema(new double[] {4, Double.NaN, 2, Double.POSITIVE_INFINITY, 2}, 0.5);
        assertEquals(4, out[0], 1e-12);
        assertTrue(Double.isNaN(out[1]) && Double.isNaN(out[3]));
        assertEquals(2.0 / 0.75, out[2], 1e-12);
        assertEquals(2.0 / 0.875, out[4], 1e-12);
        assertArrayEquals(new double[] {1, 2, 3}, LossPlot.ema(new double[] {1, 2, 3}, 0), 0);
        assertEquals(0, LossPlot.autoSmoothing(10));
        assertTrue(LossPlot.autoSmoothing(3000) > 0.95 && LossPlot.autoSmoothing(1_000_000) <= 0.99);
        assertThrows(IllegalArgumentException.class, () -> LossPlot.ema(new double[1], 1));
        assertThrows(IllegalArgumentException.class, () -> LossPlot.builder().smoothing(-0.1));
        assertThrows(IllegalArgumentException.class, () -> LossPlot.builder().size(10, 10));
        assertThrows(IllegalArgumentException.class,
                () -> LossPlot.builder().build().render(new double[3], new double[2], new double[0], new double[0]));
    }
}

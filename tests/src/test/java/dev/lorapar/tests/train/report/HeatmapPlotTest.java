package dev.lorapar.tests.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.report.plot.ColorMap;
import dev.lorapar.train.report.plot.HeatmapPlot;
import dev.lorapar.train.report.plot.PlotArea;
import dev.lorapar.train.report.plot.PngEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** HeatmapPlot: cells where their indices say, colours by value, NaN grey, aggregation of big matrices. */
class HeatmapPlotTest {

    @TempDir
    Path dir;

    private static int cellPixel(HeatmapPlot.Rendered r, double row, double col) {
        PlotArea a = r.area();
        return r.canvas().get((int) Math.floor(a.px(col)), (int) Math.floor(a.py(row)));
    }

    /** An 8×300 matrix (LoRA A-like): a random hot cell, a NaN cell, the rest random low values. */
    @Test
    void cellsTakeTheirValuesColour(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        int rows = 8, cols = 300;
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (0.1 * rng.nextDouble());
        int hotR = rng.nextInt(rows), hotC = rng.nextInt(cols);
        v[hotR * cols + hotC] = 1;
        int nanR = (hotR + 3) % rows, nanC = (hotC + 150) % cols;
        v[nanR * cols + nanC] = Float.NaN;
        v[((hotR + 5) % rows) * cols + (hotC + 70) % cols] = 0; // the minimum
        HeatmapPlot plot = HeatmapPlot.builder().title("importance").colorLabel("score").size(1500, 600).build();
        HeatmapPlot.Rendered r = plot.render(v, rows, cols);
        String ctx = "hot (" + hotR + ", " + hotC + ") " + rng.tag();
        assertEquals(ColorMap.color(1), cellPixel(r, hotR + 0.5, hotC + 0.5), ctx);
        assertEquals(ColorMap.MISSING, cellPixel(r, nanR + 0.5, nanC + 0.5), ctx);
        assertEquals(ColorMap.color(0), cellPixel(r, (hotR + 5) % rows + 0.5, (hotC + 70) % cols + 0.5), ctx);
        // row 0 is at the top
        assertTrue(r.area().py(0) < r.area().py(rows));
        assertEquals(r.area().top(), r.area().py(0), 1e-9);
        // colour bar: top = highest colour, bottom = lowest
        assertEquals(0.0, r.colorAxis().min(), 1e-12);
        assertEquals(1.0, r.colorAxis().max(), 1e-12);
        int top = r.canvas().get(r.barLeft() + 2, r.barTop());
        int bottom = r.canvas().get(r.barLeft() + 2, r.barTop() + r.barHeight() - 1);
        assertTrue(close(top, ColorMap.color(1), 6) && close(bottom, ColorMap.color(0), 6),
                String.format("bar ends %06x %06x", top, bottom));
        Path png = dir.resolve("heat.png");
        plot.write(png, v, rows, cols);
        Png.assertDecodesTo(Files.readAllBytes(png), r.canvas());
    }

    private static boolean close(int a, int b, int tol) {
        for (int sh = 0; sh <= 16; sh += 8) if (Math.abs(((a >> sh) & 0xFF) - ((b >> sh) & 0xFF)) > tol) return false;
        return true;
    }

    /**
     * A 2000×3000 matrix of zeros with one spike: more cells than pixels. MAX shows the spike's block
     * at the top colour; MEAN dilutes it over its block; the plot takes well under a second or two.
     */
    @Test
    void bigMatricesAggregateBlocks(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int rows = 2000, cols = 3000;
        float[] v = new float[rows * cols];
        int sr = 1 + rng.nextInt(rows - 1), sc = rng.nextInt(cols); // row ≥ 1: v[0] is set below
        v[sr * cols + sc] = 5;
        v[0] = 1; // so MEAN's range is [0, 5] with a visible mid value
        long t0 = System.nanoTime();
        HeatmapPlot.Rendered max = HeatmapPlot.builder().aggregate(HeatmapPlot.Aggregate.MAX).build().render(v, rows, cols);
        assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "2000×3000 heatmap took over 3 s");
        assertEquals(ColorMap.color(1), cellPixel(max, sr + 0.5, sc + 0.5), "spike at (" + sr + ", " + sc + ") " + rng.tag());
        HeatmapPlot.Rendered mean = HeatmapPlot.builder().build().render(v, rows, cols);
        int diluted = cellPixel(mean, sr + 0.5, sc + 0.5);
        assertNotEquals(ColorMap.color(1), diluted, rng.tag());
        assertNotEquals(ColorMap.color(0), diluted, "the spike still tints its block " + rng.tag());
        // MAX_ABS sees a negative spike that MAX does not
        v[sr * cols + sc] = -5;
        HeatmapPlot.Rendered abs = HeatmapPlot.builder().aggregate(HeatmapPlot.Aggregate.MAX_ABS).range(0, 5).build()
                .render(v, rows, cols);
        assertEquals(ColorMap.color(1), cellPixel(abs, sr + 0.5, sc + 0.5), rng.tag());
    }

    /**
     * Every pixel shows MAX over exactly the cells whose centres fall in it (or, where none does, the
     * cell under its own centre), checked for all pixels of a matrix with many more columns than
     * pixels and fewer rows than pixels.
     */
    @Test
    void eachPixelAggregatesTheCellsCentredInIt(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int rows = 37, cols = 2000 + rng.nextInt(3000);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextInt(1000) / 999f;
        v[0] = 0;
        v[1] = 1;
        HeatmapPlot.Rendered r = HeatmapPlot.builder().aggregate(HeatmapPlot.Aggregate.MAX).size(900, 400).build()
                .render(v, rows, cols);
        PlotArea a = r.area();
        int[][] colCells = cellsOf(cols, a.width());
        int[][] rowCells = cellsOf(rows, a.height());
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int rr : rowCells[y]) for (int cc : colCells[x]) max = Math.max(max, v[rr * cols + cc]);
                int want = ColorMap.color(max);
                int got = r.canvas().get(a.left() + x, a.top() + y);
                if (want != got) {
                    throw new AssertionError(String.format("pixel (%d, %d): %06x, expected %06x (max %s over rows %s cols %s) %s",
                            x, y, got, want, max, java.util.Arrays.toString(rowCells[y]),
                            java.util.Arrays.toString(colCells[x]), rng.tag()));
                }
            }
        }
    }

    /** For each of {@code pixels}, the cells c with floor((c + 0.5)·pixels/n) = pixel, else the cell under its centre. */
    private static int[][] cellsOf(int n, int pixels) {
        java.util.List<java.util.List<Integer>> lists = new java.util.ArrayList<>();
        for (int p = 0; p < pixels; p++) lists.add(new java.util.ArrayList<>());
        for (int c = 0; c < n; c++) lists.get((int) Math.floor((c + 0.5) * pixels / n)).add(c);
        int[][] out = new int[pixels][];
        for (int p = 0; p < pixels; p++) {
            if (lists.get(p).isEmpty()) lists.get(p).add((int) Math.floor((p + 0.5) * n / pixels));
            out[p] = lists.get(p).stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    /** Log colour scale: decades evenly spread, values ≤ 0 at the lowest colour. */
    @Test
    void logScale() {
        float[] v = {1e-6f, 1e-3f, 1f, 0f, -2f, Float.NaN};
        HeatmapPlot.Rendered r = HeatmapPlot.builder().logScale(true).size(600, 300).build().render(v, 1, 6);
        assertEquals(ColorMap.color(0), cellPixel(r, 0.5, 0.5));
        assertEquals(ColorMap.color(0.5), cellPixel(r, 0.5, 1.5));
        assertEquals(ColorMap.color(1), cellPixel(r, 0.5, 2.5));
        assertEquals(ColorMap.color(0), cellPixel(r, 0.5, 3.5));
        assertEquals(ColorMap.color(0), cellPixel(r, 0.5, 4.5));
        assertEquals(ColorMap.MISSING, cellPixel(r, 0.5, 5.5));
    }

    /** All-NaN and constant matrices draw without failing; one cell fills the area. */
    @Test
    void degenerateMatrices() throws IOException {
        HeatmapPlot.Rendered nan = HeatmapPlot.builder().build().render(new float[] {Float.NaN, Float.NaN}, 1, 2);
        assertEquals(ColorMap.MISSING, cellPixel(nan, 0.5, 1.5));
        HeatmapPlot.Rendered flat = HeatmapPlot.builder().build().render(new float[] {3, 3, 3, 3}, 2, 2);
        int c = cellPixel(flat, 0.5, 0.5);
        assertTrue(c != ColorMap.MISSING && c == cellPixel(flat, 1.5, 1.5));
        HeatmapPlot.Rendered one = HeatmapPlot.builder().build().render(new float[] {7}, 1, 1);
        PlotArea a = one.area();
        assertEquals(one.canvas().get(a.left(), a.top()), one.canvas().get(a.left() + a.width() - 1, a.top() + a.height() - 1));
        PngEncoder.write(dir.resolve("one.png"), one.canvas());
        Png.assertDecodesTo(Files.readAllBytes(dir.resolve("one.png")), one.canvas());
    }

    @Test
    void badInputIsRefused() {
        HeatmapPlot p = HeatmapPlot.builder().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.render(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("5 values") && e.getMessage().contains("2×3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.render(new float[0], 0, 3));
        assertThrows(NullPointerException.class, () -> p.render(null, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> HeatmapPlot.builder().range(1, 0));
        assertThrows(IllegalArgumentException.class, () -> HeatmapPlot.builder().logScale(true).range(0, 1).build());
    }
}

package dev.lorapar.pipeline.partition;

import dev.lorapar.model.LoraTarget;
import dev.lorapar.pipeline.score.ImportanceMatrix;
import dev.lorapar.train.report.plot.HeatmapPlot;
import dev.lorapar.train.report.plot.LinePlot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The partition's pictures: {@value #SCATTER} (system 0 vs system 1 importance, log10 on both axes, at most
 * {@value #MAX_SCATTER_POINTS} elements taken at an even stride, coloured by region; zeros have no logarithm and are
 * left out), {@code heatmap-<system>.png} (active fraction of each stage mask per layer × module) and
 * {@value #CUMULATIVE} (cumulative share of each system's importance against the share of elements taken in
 * descending order, with θ marked).
 */
public final class PartitionPlots {
    public static final String SCATTER = "importance-scatter.png";
    public static final String CUMULATIVE = "cumulative-importance.png";
    static final int MAX_SCATTER_POINTS = 20_000;
    static final int CURVE_POINTS = 2_000;
    private static final int[] COLORS = {0x1f77b4, 0xd62728, 0x2ca02c, 0x9467bd, 0xff7f0e, 0x8c564b, 0xe377c2, 0x17becf};

    private PartitionPlots() {
    }

    /** Writes every plot into {@code dir}; returns the file names written. */
    public static List<String> write(Path dir, Partition p, float[][] importance, List<ImportanceMatrix> matrices,
                                     List<String> systems, double theta) throws IOException {
        List<String> files = new ArrayList<>();
        scatter(dir.resolve(SCATTER), p, importance, systems);
        files.add(SCATTER);
        List<LoraTarget> modules = PartitionStats.modules(matrices);
        String moduleNames = modules.stream().map(LoraTarget::peftName).collect(Collectors.joining(", "));
        for (int k = 0; k < p.systems(); k++) {
            double[][] frac = PartitionStats.layerModuleFraction(p, matrices, k);
            float[] flat = new float[frac.length * modules.size()]; // [layers×modules]
            for (int l = 0; l < frac.length; l++) {
                for (int c = 0; c < modules.size(); c++) flat[l * modules.size() + c] = (float) frac[l][c];
            }
            String name = "heatmap-" + systems.get(k) + ".png";
            HeatmapPlot.builder().title("stage mask of " + systems.get(k) + ": active fraction (theta = " + theta + ")")
                    .xLabel("module: " + moduleNames).yLabel("layer").colorLabel("active fraction").range(0, 1)
                    .build().write(dir.resolve(name), flat, frac.length, modules.size());
            files.add(name);
        }
        cumulative(dir.resolve(CUMULATIVE), p, importance, systems, theta);
        files.add(CUMULATIVE);
        return files;
    }

    private static void scatter(Path png, Partition p, float[][] importance, List<String> systems) throws IOException {
        int n = p.elements();
        int stride = Math.max(1, (n + MAX_SCATTER_POINTS - 1) / MAX_SCATTER_POINTS);
        String[] regions = {"in neither set", systems.get(0) + " only", systems.get(1) + " only", "shared"};
        int[] colors = {0xb0b0b0, COLORS[0], COLORS[1], 0x2ca02c};
        List<List<double[]>> points = new ArrayList<>();
        for (int r = 0; r < 4; r++) points.add(new ArrayList<>());
        for (int i = 0; i < n; i += stride) {
            float a = importance[0][i], b = importance[1][i];
            if (!(a > 0 && b > 0)) continue;
            int region = (p.sets()[0][i] != 0 ? 1 : 0) | (p.sets()[1][i] != 0 ? 2 : 0);
            points.get(region).add(new double[] {Math.log10(a), Math.log10(b)});
        }
        LinePlot.Builder plot = LinePlot.builder().title("importance per element (log10; 1 in " + stride + " elements)")
                .xLabel("log10 importance " + systems.get(0)).yLabel("log10 importance " + systems.get(1));
        for (int r = 0; r < 4; r++) {
            List<double[]> pts = points.get(r);
            double[] x = new double[pts.size()], y = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            plot.add(LinePlot.Series.markers(regions[r] + " (" + pts.size() + ")", x, y, colors[r], 1.5));
        }
        plot.build().write(png);
    }

    private static void cumulative(Path png, Partition p, float[][] importance, List<String> systems, double theta)
            throws IOException {
        LinePlot.Builder plot = LinePlot.builder().title("cumulative importance, elements in descending order")
                .xLabel("share of LoRA elements").yLabel("share of total importance");
        for (int k = 0; k < importance.length; k++) {
            double[][] curve = curve(importance[k]);
            plot.add(LinePlot.Series.line(systems.get(k), curve[0], curve[1], COLORS[k % COLORS.length], 2));
            double share = p.setSizes()[k] / (double) p.elements();
            plot.add(LinePlot.Series.markers(String.format(java.util.Locale.ROOT, "Set %s: %.1f%% of elements",
                    systems.get(k), 100 * share), new double[] {share}, new double[] {theta}, COLORS[k % COLORS.length], 5));
        }
        plot.add(LinePlot.Series.line("theta = " + theta, new double[] {0, 1}, new double[] {theta, theta}, 0x404040, 1));
        plot.build().write(png);
    }

    /** x = share of elements, y = cumulative share of importance, at most CURVE_POINTS + 1 points. */
    static double[][] curve(float[] values) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double total = 0;
        for (float v : sorted) total += v;
        int step = Math.max(1, n / CURVE_POINTS);
        List<double[]> pts = new ArrayList<>();
        pts.add(new double[] {0, 0});
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += sorted[n - 1 - i];
            if ((i + 1) % step == 0 || i == n - 1) pts.add(new double[] {(i + 1) / (double) n, total == 0 ? 0 : sum / total});
        }
        double[] x = new double[pts.size()], y = new double[pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            x[i] = pts.get(i)[0];
            y[i] = pts.get(i)[1];
        }
        return new double[][] {x, y};
    }
}

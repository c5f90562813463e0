package dev.lorapar.rl;

import dev.lorapar.train.report.LossPlot;
import dev.lorapar.train.report.MetricsLog;
import dev.lorapar.train.report.MetricsRecord;
import dev.lorapar.train.report.plot.LinePlot;
import dev.lorapar.train.report.plot.PngEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The reward curve of a GRPO run as a PNG: the mean reward per step (light) and its moving average (dark). */
public final class RewardPlot {
    private RewardPlot() {
    }

    /** Reads {@code metrics} ({@code reward} of each record) and writes {@code png}; returns the points plotted. */
    public static int write(Path png, Path metrics) throws IOException {
        List<MetricsRecord> records = MetricsLog.read(metrics).records();
        List<double[]> points = new ArrayList<>();
        for (MetricsRecord r : records) {
            if (r.extra().get("reward") instanceof Number n) {
                points.add(new double[] {r.step(), n.doubleValue()});
            }
        }
        double[] x = new double[points.size()], y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        LinePlot.Builder p = LinePlot.builder().size(1200, 720).textScale(LinePlot.defaultTextScale(1200, 720))
                .integerX(true).title("GRPO mean reward").xLabel("step").yLabel("reward");
        double w = LossPlot.autoSmoothing(x.length);
        if (w > 0 && x.length > 1) {
            p.add(LinePlot.Series.line("mean reward", x, y, LossPlot.RAW, 1.5));
            p.add(LinePlot.Series.line(String.format(Locale.ROOT, "smoothed (EMA %.2f)", w), x, LossPlot.ema(y, w),
                    LossPlot.SMOOTHED, 2.5));
        } else {
            p.add(LinePlot.Series.line("mean reward", x, y, LossPlot.SMOOTHED, 2.0));
        }
        PngEncoder.write(png, p.build().render().canvas());
        return x.length;
    }
}

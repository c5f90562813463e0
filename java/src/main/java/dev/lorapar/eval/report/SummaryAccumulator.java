package dev.lorapar.eval.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link BenchmarkSummary} from items one at a time (so a streamed run needs no item list):
 * <ul>
 * <li>metric {@code primaryMetric} = mean of the finite primary scores;</li>
 * <li>when items carry subjects: per-subject means and {@code "macro_" + primaryMetric} = the unweighted mean
 * of the subject means (the primary metric itself is then the micro average);</li>
 * <li>every per-item metric of {@link ItemRecord#scores} = mean of its finite values, except names
 * "pass@k", which go to the pass@k map;</li>
 * <li>counts "items", "scored" (finite primary score), "correct" (score exactly 1).</li>
 * </ul>
 */
public final class SummaryAccumulator {
    private static final Pattern PASS_AT_K = Pattern.compile("pass@([1-9][0-9]{0,8})");

    private final String primaryMetric;
    private final Mean primary = new Mean();
    private final Map<String, Mean> extra = new LinkedHashMap<>();
    private final Map<String, Mean> subjects = new TreeMap<>();
    private long items;
    private long correct;

    public SummaryAccumulator(String primaryMetric) {
        if (primaryMetric == null || primaryMetric.isEmpty()) throw new IllegalArgumentException("primary metric name is empty");
        this.primaryMetric = primaryMetric;
    }

    public void add(ItemRecord item) {
        items++;
        if (item.correct()) correct++;
        primary.add(item.score());
        if (item.subject() != null) subjects.computeIfAbsent(item.subject(), s -> new Mean()).add(item.score());
        for (Map.Entry<String, Double> e : item.scores().entrySet()) {
            if (e.getKey().equals(primaryMetric)) {
                throw new IllegalArgumentException("item " + item.id() + ": per-item metric " + e.getKey() + " is the primary metric's name");
            }
            extra.computeIfAbsent(e.getKey(), k -> new Mean()).add(e.getValue());
        }
    }

    public BenchmarkSummary summary() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(primaryMetric, primary.value());
        Map<String, GroupScore> perSubject = new TreeMap<>();
        if (!subjects.isEmpty()) {
            Mean macro = new Mean();
            for (Map.Entry<String, Mean> e : subjects.entrySet()) {
                perSubject.put(e.getKey(), new GroupScore(e.getValue().value(), e.getValue().n));
                macro.add(e.getValue().value());
            }
            metrics.put("macro_" + primaryMetric, macro.value());
        }
        Map<Integer, Double> passAtK = new TreeMap<>();
        for (Map.Entry<String, Mean> e : extra.entrySet()) {
            Matcher m = PASS_AT_K.matcher(e.getKey());
            if (m.matches()) passAtK.put(Integer.parseInt(m.group(1)), e.getValue().value());
            else metrics.put(e.getKey(), e.getValue().value());
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("items", items);
        counts.put("scored", primary.n);
        counts.put("correct", correct);
        return new BenchmarkSummary(metrics, counts, perSubject, passAtK);
    }

    /** A running mean of the finite values (NaN when there are none). */
    private static final class Mean {
        double sum;
        long n;

        void add(double v) {
            if (Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }

        double value() {
            return n == 0 ? Double.NaN : sum / n;
        }
    }
}

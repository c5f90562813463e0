package dev.lorapar.eval.report;

/** The mean of a metric over one group of items (an MMLU subject) and how many scored items it covers. */
public record GroupScore(double value, long n) {
    public GroupScore {
        if (n < 0) throw new IllegalArgumentException("group size " + n + " is negative");
    }
}

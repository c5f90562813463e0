package dev.lorapar.train.data;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The samples of a list of examples, in example order, and what happened on the way.
 *
 * @param samples         the samples, in the order of their examples
 * @param examples        the number of examples encoded
 * @param truncated       samples cut to the maximum length (they kept at least one answer token)
 * @param droppedByReason examples without a sample, per reason (only reasons that occurred)
 * @param dropped         the first dropped examples with location and detail
 * @param tokens          positions over all samples (input tokens)
 * @param targetTokens    positions with a loss over all samples
 * @param longestSample   the most positions of one sample (after truncation)
 * @param longestExample  the most ids of one formatted example before truncation (what a maximum length that
 *                        truncates nothing would have to hold, plus one)
 */
public record EncodeResult(List<Sample> samples, long examples, long truncated,
                           Map<DropReason, Long> droppedByReason, List<Dropped> dropped, long tokens,
                           long targetTokens, int longestSample, int longestExample) {
    public EncodeResult {
        samples = Collections.unmodifiableList(samples);
        droppedByReason = Collections.unmodifiableMap(droppedByReason.isEmpty() ? new EnumMap<>(DropReason.class)
                : new EnumMap<>(droppedByReason));
        dropped = List.copyOf(dropped);
    }

    /** Examples without a sample, all reasons. */
    public long droppedCount() {
        return droppedByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The mean number of positions per sample (0 without samples). */
    public double meanLength() {
        return samples.isEmpty() ? 0 : (double) tokens / samples.size();
    }
}

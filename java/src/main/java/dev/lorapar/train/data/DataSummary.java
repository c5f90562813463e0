package dev.lorapar.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the data pipeline did, for the log (counts only: it holds no texts or samples): records read and malformed
 * (by reason, the first ones with their lines), and per part (train, eval) the samples, truncations, drops (by
 * reason), tokens and lengths.
 *
 * @param files             files read
 * @param records           records seen
 * @param blankLines        blank JSONL lines passed over
 * @param examples          well-formed examples
 * @param malformedByReason malformed records per reason
 * @param malformed         the first malformed records with their lines
 * @param train             the training part
 * @param eval              the held-out part
 */
public record DataSummary(int files, long records, long blankLines, long examples,
                          Map<MalformedReason, Long> malformedByReason, List<Malformed> malformed, Part train,
                          Part eval) {
    /**
     * One part's encoding.
     *
     * @param examples       examples in the part
     * @param samples        samples made
     * @param truncated      samples cut to the maximum length
     * @param droppedByReason examples without a sample, per reason
     * @param dropped        the first dropped examples with their lines
     * @param tokens         positions over all samples
     * @param targetTokens   positions with a loss
     * @param meanLength     mean positions per sample
     * @param longestSample  most positions of one sample
     * @param longestExample most ids of one formatted example before truncation
     */
    public record Part(long examples, long samples, long truncated, Map<DropReason, Long> droppedByReason,
                       List<Dropped> dropped, long tokens, long targetTokens, double meanLength, int longestSample,
                       int longestExample) {
        public Part {
            droppedByReason = Map.copyOf(droppedByReason);
            dropped = List.copyOf(dropped);
        }

        static Part of(EncodeResult result) {
            return new Part(result.examples(), result.samples().size(), result.truncated(),
                    result.droppedByReason(), result.dropped(), result.tokens(), result.targetTokens(),
                    result.meanLength(), result.longestSample(), result.longestExample());
        }

        public long droppedCount() {
            return droppedByReason.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public DataSummary {
        malformedByReason = Map.copyOf(malformedByReason);
        malformed = List.copyOf(malformed);
    }

    /** The summary of a read and the encodings of its two parts. */
    public static DataSummary of(ReadResult read, EncodeResult train, EncodeResult eval) {
        return new DataSummary(read.files().size(), read.records(), read.blankLines(), read.examples().size(),
                read.malformedByReason(), read.malformed(), Part.of(train), Part.of(eval));
    }

    public long malformedCount() {
        return malformedByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The summary as log lines, listing at most {@code detailLines} malformed and dropped records each. */
    public List<String> lines(int detailLines) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "data: %d file(s), %d records: %d examples, %d malformed%s%s",
                files, records, examples, malformedCount(), reasons(malformedByReason, MalformedReason.values()),
                blankLines > 0 ? ", " + blankLines + " blank lines passed over" : ""));
        int listed = Math.min(detailLines, malformed.size());
        malformed.subList(0, listed).forEach(m -> lines.add("  malformed " + m));
        if (malformedCount() > listed) {
            lines.add("  (" + (malformedCount() - listed) + " more malformed records not listed)");
        }
        lines.add(part("train", train));
        if (eval.examples() > 0) {
            lines.add(part("eval", eval));
        }
        for (Part part : List.of(train, eval)) {
            int shown = Math.min(detailLines, part.dropped().size());
            part.dropped().subList(0, shown).forEach(d -> lines.add("  dropped " + d));
            if (part.droppedCount() > shown) {
                lines.add("  (" + (part.droppedCount() - shown) + " more dropped examples not listed)");
            }
        }
        return lines;
    }

    private static String part(String name, Part part) {
        return String.format(Locale.ROOT, "%s: %d examples -> %d samples, %d truncated, %d dropped%s; %d tokens "
                        + "(%d with loss), length mean %.1f max %d (longest example %d ids)",
                name, part.examples(), part.samples(), part.truncated(), part.droppedCount(),
                reasons(part.droppedByReason(), DropReason.values()), part.tokens(), part.targetTokens(),
                part.meanLength(), part.longestSample(), part.longestExample());
    }

    /** " (A 3, B 1)" in the enum's order, or "" when there are none. */
    private static <E extends Enum<E>> String reasons(Map<E, Long> counts, E[] order) {
        List<String> parts = new ArrayList<>();
        for (E reason : order) {
            Long count = counts.get(reason);
            if (count != null && count > 0) {
                parts.add(reason + " " + count);
            }
        }
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    @Override
    public String toString() {
        return String.join("\n", lines(20));
    }
}

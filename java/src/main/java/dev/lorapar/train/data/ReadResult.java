package dev.lorapar.train.data;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link DataReader} read: the examples in file order, and every record it could not use, counted by reason
 * (the first {@link ReadOptions#maxReported()} kept with their lines and details).
 *
 * @param files             the files read, in order
 * @param examples          the examples, in file order
 * @param records           records seen (examples + malformed)
 * @param blankLines        blank JSONL lines passed over (not records)
 * @param malformedByReason the count of malformed records per reason (only reasons that occurred)
 * @param malformed         the first malformed records, in file order, with location and detail
 */
public record ReadResult(List<Path> files, List<Example> examples, long records, long blankLines,
                         Map<MalformedReason, Long> malformedByReason, List<Malformed> malformed) {
    public ReadResult {
        files = List.copyOf(files);
        examples = Collections.unmodifiableList(examples);
        malformedByReason = Collections.unmodifiableMap(new EnumMap<>(malformedByReason.isEmpty()
                ? new EnumMap<>(MalformedReason.class) : malformedByReason));
        malformed = List.copyOf(malformed);
    }

    /** The number of malformed records (all of them, also those beyond the reported ones). */
    public long malformedCount() {
        return malformedByReason.values().stream().mapToLong(Long::longValue).sum();
    }
}

package dev.lorapar.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Gathers examples and malformed records while files are read, applying the {@link MalformedPolicy}. */
final class ReadCollector {
    private final ReadOptions options;
    private final RecordParser parser;
    private final List<Path> files = new ArrayList<>();
    private final List<Example> examples = new ArrayList<>();
    private final Map<MalformedReason, Long> counts = new EnumMap<>(MalformedReason.class);
    private final List<Malformed> reported = new ArrayList<>();
    private long records, blankLines;

    ReadCollector(ReadOptions options) {
        this.options = options;
        this.parser = new RecordParser(options);
    }

    void startFile(Path file) {
        files.add(file);
    }

    void record(JsonNode record, SourceLine source) {
        records++;
        try {
            examples.add(parser.parse(record, source));
        } catch (MalformedRecordException e) {
            malformed(source, e.reason(), e.getMessage());
        }
    }

    /** A record that could not even be parsed as JSON. */
    void invalid(SourceLine source, MalformedReason reason, String detail) {
        records++;
        malformed(source, reason, detail);
    }

    void blankLine() {
        blankLines++;
    }

    private void malformed(SourceLine source, MalformedReason reason, String detail) {
        if (options.policy() == MalformedPolicy.FAIL) {
            throw new DataFormatException(source, "malformed record (" + reason + "): " + detail
                    + " [policy FAIL; use SKIP to report and continue]");
        }
        counts.merge(reason, 1L, Long::sum);
        if (reported.size() < options.maxReported()) {
            reported.add(new Malformed(source, reason, detail));
        }
    }

    ReadResult result() {
        return new ReadResult(files, examples, records, blankLines, counts, reported);
    }
}

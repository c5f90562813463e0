package dev.lorapar.eval.report;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Run files: {@link #write} streams a whole {@link EvalRun} through {@link EvalRunWriter} (the layout is
 * documented there); {@link #read} parses one back, item by item, and names the file and line of anything wrong.
 * Unknown fields are ignored (newer writers may add some); a missing required field, a wrong type, a bad time or
 * digest, or a file that is not a lorapar run is a {@link RunFileException}.
 */
public final class EvalRunJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EvalRunJson() {
    }

    /** Writes a whole run to {@code file} (atomically: through {@code file.partial}). */
    public static void write(EvalRun run, Path file) throws IOException {
        if (run.ended() == null) throw new IllegalArgumentException("run has no end time: write a running run with EvalRunWriter");
        try (EvalRunWriter w = EvalRunWriter.create(file, run.info())) {
            for (BenchmarkResult b : run.benchmarks()) w.benchmark(b);
            w.finish(run.ended());
        }
    }

    /** Reads a run file. */
    public static EvalRun read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new RunFileException(file, 0, "no such run file");
        try (JsonParser p = MAPPER.createParser(file.toFile())) {
            return new Reader(file, p).run();
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new RunFileException(file, line, "not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static final class Reader {
        private final Path file;
        private final JsonParser p;

        Reader(Path file, JsonParser p) {
            this.file = file;
            this.p = p;
        }

        EvalRun run() throws IOException {
            if (p.nextToken() != JsonToken.START_OBJECT) throw fail(line(), "the file is not a JSON object");
            String format = null;
            Integer version = null;
            Instant started = null;
            Instant ended = null;
            String device = null;
            Map<String, String> config = null;
            ArtifactIdentity model = null;
            ArtifactIdentity adapter = null;
            List<BenchmarkResult> benchmarks = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                long at = line();
                switch (field) {
                    case "benchmarks" -> benchmarks = benchmarks();
                    default -> {
                        JsonNode n = tree();
                        switch (field) {
                            case "format" -> format = text(n, "format", at, false);
                            case "version" -> version = (int) integer(n, "version", at);
                            case "started" -> started = time(n, "started", at);
                            case "ended" -> ended = n.isNull() ? null : time(n, "ended", at);
                            case "device" -> device = text(n, "device", at, true);
                            case "config" -> config = config(n, at);
                            case "model" -> model = identity(n, "model", at);
                            case "adapter" -> adapter = identity(n, "adapter", at);
                            default -> { } // unknown: ignored
                        }
                    }
                }
            }
            if (!RunJsonFields.FORMAT.equals(format)) {
                throw fail(1, "not a lorapar evaluation run (\"format\" is " + (format == null ? "missing" : "\"" + format + "\"")
                        + ", expected \"" + RunJsonFields.FORMAT + "\")");
            }
            if (version == null || version != RunJsonFields.VERSION) {
                throw fail(1, "run file version " + version + " is not supported (this build reads version " + RunJsonFields.VERSION + ")");
            }
            if (started == null) throw fail(1, "\"started\" is missing");
            if (benchmarks == null) throw fail(1, "\"benchmarks\" is missing");
            try {
                return new EvalRun(new RunInfo(started, device, config == null ? Map.of() : config, model, adapter), ended, benchmarks);
            } catch (IllegalArgumentException e) {
                throw fail(1, e.getMessage());
            }
        }

        private List<BenchmarkResult> benchmarks() throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) throw fail(line(), "\"benchmarks\" is not an array");
            List<BenchmarkResult> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) out.add(benchmark(out.size()));
            return out;
        }

        private BenchmarkResult benchmark(int index) throws IOException {
            long start = line();
            String where = "benchmark " + (index + 1);
            if (p.currentToken() != JsonToken.START_OBJECT) throw fail(start, where + " is not an object");
            String name = null;
            String primary = null;
            List<ItemRecord> items = null;
            BenchmarkSummary summary = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                long at = line();
                if (field.equals("items")) {
                    items = items(name == null ? where : "benchmark " + name);
                    continue;
                }
                JsonNode n = tree();
                switch (field) {
                    case "name" -> { name = text(n, "name", at, false); where = "benchmark " + name; }
                    case "primary_metric" -> primary = text(n, where + ": primary_metric", at, false);
                    case "summary" -> summary = summary(n, where, at);
                    default -> { }
                }
            }
            if (name == null) throw fail(start, where + ": \"name\" is missing");
            if (primary == null) throw fail(start, where + ": \"primary_metric\" is missing");
            if (items == null) throw fail(start, where + ": \"items\" is missing");
            if (summary == null) throw fail(start, where + ": \"summary\" is missing");
            try {
                return new BenchmarkResult(name, primary, items, summary);
            } catch (IllegalArgumentException e) {
                throw fail(start, where + ": " + e.getMessage());
            }
        }

        private List<ItemRecord> items(String where) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) throw fail(line(), where + ": \"items\" is not an array");
            List<ItemRecord> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                long at = line();
                JsonNode n = tree();
                out.add(item(n, where + ", item " + (out.size() + 1), at));
            }
            return out;
        }

        private ItemRecord item(JsonNode n, String where, long at) throws RunFileException {
            if (!n.isObject()) throw fail(at, where + " is not an object");
            String id = text(required(n, "id", where, at), where + ": id", at, false);
            where = where + " (id " + id + ")";
            ItemRecord.Builder b = ItemRecord.builder(id)
                    .subject(optionalText(n, "subject", where, at))
                    .prompt(optionalText(n, "prompt", where, at))
                    .prediction(optionalText(n, "prediction", where, at))
                    .extracted(optionalText(n, "extracted", where, at))
                    .gold(optionalText(n, "gold", where, at));
            if (n.hasNonNull("score")) {
                b.score(number(n.get("score"), where + ": score", at));
            } else if (n.hasNonNull("correct")) {
                JsonNode c = n.get("correct");
                if (!c.isBoolean()) throw fail(at, where + ": \"correct\" is " + c + ", not true or false");
                b.correct(c.booleanValue());
            } else {
                throw fail(at, where + ": neither \"score\" nor \"correct\" is given");
            }
            JsonNode scores = n.get("scores");
            if (scores != null && !scores.isNull()) {
                if (!scores.isObject()) throw fail(at, where + ": \"scores\" is not an object");
                for (Map.Entry<String, JsonNode> e : scores.properties()) {
                    b.metric(e.getKey(), number(e.getValue(), where + ": scores." + e.getKey(), at));
                }
            }
            if (n.hasNonNull("time_ms")) b.timeMs(number(n.get("time_ms"), where + ": time_ms", at));
            if (n.hasNonNull("prompt_tokens")) b.promptTokens(tokens(n.get("prompt_tokens"), where + ": prompt_tokens", at));
            if (n.hasNonNull("generated_tokens")) b.generatedTokens(tokens(n.get("generated_tokens"), where + ": generated_tokens", at));
            try {
                return b.build();
            } catch (IllegalArgumentException e) {
                throw fail(at, where + ": " + e.getMessage());
            }
        }

        private BenchmarkSummary summary(JsonNode n, String where, long at) throws RunFileException {
            where = where + ": summary";
            if (!n.isObject()) throw fail(at, where + " is not an object");
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : fields(n, "metrics", where, at)) {
                metrics.put(e.getKey(), number(e.getValue(), where + ".metrics." + e.getKey(), at));
            }
            Map<String, Long> counts = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : fields(n, "counts", where, at)) {
                counts.put(e.getKey(), integer(e.getValue(), where + ".counts." + e.getKey(), at));
            }
            Map<String, GroupScore> subjects = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : fields(n, "per_subject", where, at)) {
                String w = where + ".per_subject." + e.getKey();
                JsonNode g = e.getValue();
                if (!g.isObject()) throw fail(at, w + " is not an object");
                long count = integer(required(g, "n", w, at), w + ".n", at);
                if (count < 0) throw fail(at, w + ".n is negative");
                subjects.put(e.getKey(), new GroupScore(number(required(g, "value", w, at), w + ".value", at), count));
            }
            Map<Integer, Double> passAtK = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : fields(n, "pass_at_k", where, at)) {
                int k;
                try {
                    k = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw fail(at, where + ".pass_at_k: key \"" + e.getKey() + "\" is not an integer k");
                }
                passAtK.put(k, number(e.getValue(), where + ".pass_at_k." + e.getKey(), at));
            }
            try {
                return new BenchmarkSummary(metrics, counts, subjects, passAtK);
            } catch (IllegalArgumentException e) {
                throw fail(at, where + ": " + e.getMessage());
            }
        }

        private List<Map.Entry<String, JsonNode>> fields(JsonNode parent, String name, String where, long at) throws RunFileException {
            JsonNode n = parent.get(name);
            if (n == null || n.isNull()) return List.of();
            if (!n.isObject()) throw fail(at, where + "." + name + " is not an object");
            List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
            out.addAll(n.properties());
            return out;
        }

        private ArtifactIdentity identity(JsonNode n, String where, long at) throws RunFileException {
            if (n.isNull()) return null;
            if (!n.isObject()) throw fail(at, where + " is not an object");
            String path = text(required(n, "path", where, at), where + ".path", at, false);
            long bytes = integer(required(n, "bytes", where, at), where + ".bytes", at);
            String sha = optionalText(n, "sha256", where, at);
            List<ArtifactIdentity.FileDigest> files = new ArrayList<>();
            JsonNode fs = n.get("files");
            if (fs != null && !fs.isNull()) {
                if (!fs.isArray()) throw fail(at, where + ".files is not an array");
                for (JsonNode f : fs) {
                    String w = where + ".files[" + files.size() + "]";
                    if (!f.isObject()) throw fail(at, w + " is not an object");
                    try {
                        files.add(new ArtifactIdentity.FileDigest(text(required(f, "path", w, at), w + ".path", at, false),
                                integer(required(f, "bytes", w, at), w + ".bytes", at), optionalText(f, "sha256", w, at)));
                    } catch (IllegalArgumentException e) {
                        throw fail(at, w + ": " + e.getMessage());
                    }
                }
            }
            try {
                return new ArtifactIdentity(path, bytes, sha, files);
            } catch (IllegalArgumentException e) {
                throw fail(at, where + ": " + e.getMessage());
            }
        }

        private Map<String, String> config(JsonNode n, long at) throws RunFileException {
            if (n.isNull()) return Map.of();
            if (!n.isObject()) throw fail(at, "\"config\" is not an object");
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                JsonNode v = e.getValue();
                if (!v.isValueNode() || v.isNull()) throw fail(at, "config." + e.getKey() + " is " + v + ", not a value");
                out.put(e.getKey(), v.asText());
            }
            return out;
        }

        private JsonNode required(JsonNode n, String field, String where, long at) throws RunFileException {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) throw fail(at, where + ": \"" + field + "\" is missing");
            return v;
        }

        private String optionalText(JsonNode n, String field, String where, long at) throws RunFileException {
            JsonNode v = n.get(field);
            return v == null || v.isNull() ? null : text(v, where + ": " + field, at, false);
        }

        private String text(JsonNode n, String what, long at, boolean nullable) throws RunFileException {
            if (n.isNull() && nullable) return null;
            if (!n.isTextual()) throw fail(at, what + " is " + abbreviated(n) + ", not a string");
            return n.textValue();
        }

        private double number(JsonNode n, String what, long at) throws RunFileException {
            if (n.isNumber()) return n.doubleValue();
            if (n.isTextual()) {
                Double v = RunJsonFields.nonFinite(n.textValue());
                if (v != null) return v;
            }
            throw fail(at, what + " is " + abbreviated(n) + ", not a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
        }

        private long integer(JsonNode n, String what, long at) throws RunFileException {
            if (!n.isIntegralNumber() || !n.canConvertToLong()) throw fail(at, what + " is " + abbreviated(n) + ", not an integer");
            return n.longValue();
        }

        private int tokens(JsonNode n, String what, long at) throws RunFileException {
            long v = integer(n, what, at);
            if (v < 0 || v > Integer.MAX_VALUE) throw fail(at, what + " is " + v + ", not a token count");
            return (int) v;
        }

        private Instant time(JsonNode n, String what, long at) throws RunFileException {
            String s = text(n, what, at, false);
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                throw fail(at, what + " \"" + s + "\" is not an ISO-8601 instant (e.g. 2025-01-31T12:00:00Z)");
            }
        }

        /** The value at the current token as a tree (a JSON null as NullNode). */
        private JsonNode tree() throws IOException {
            JsonNode n = p.readValueAsTree();
            return n == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : n;
        }

        private long line() {
            return p.currentTokenLocation().getLineNr();
        }

        private RunFileException fail(long line, String problem) {
            return new RunFileException(file, line, problem);
        }

        private static String abbreviated(JsonNode n) {
            String s = n.toString();
            return s.length() <= 60 ? s : s.substring(0, 57) + "...";
        }
    }
}

package dev.lorapar.eval.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a run file while the run goes on: the run's info first, then per benchmark its items one at a time (each
 * goes straight to the file; nothing holds all of them), its summary, and the end time last. Output goes to
 * {@code <file>.partial}, renamed to {@code file} by {@link #finish}; a run that stops before finishing leaves
 * only the partial file (not valid JSON), for inspection.
 *
 * <p>Layout (JSON, pretty-printed; {@link EvalRunJson#read} reads it back):
 * <pre>
 * {"format":"lorapar-eval-run","version":1,"started":ISO-8601,"device":…,"config":{key:value…},
 *  "model":IDENTITY|null,"adapter":IDENTITY|null,
 *  "benchmarks":[{"name":…,"primary_metric":…,"items":[ITEM…],
 *                 "summary":{"metrics":{…},"counts":{…},"per_subject":{s:{"value":v,"n":n}…},"pass_at_k":{"k":v…}}}…],
 *  "ended":ISO-8601}
 * IDENTITY = {"path":…,"bytes":n,"sha256":hex|null,"files":[{"path":…,"bytes":n,"sha256":hex|null}…]}
 * ITEM = {"id":…,"subject","prompt","prediction","extracted","gold":text (left out when null),"score":v,
 *         "scores":{name:v…} (left out when empty),"time_ms":v (left out when NaN),
 *         "prompt_tokens","generated_tokens":n (left out when −1)}
 * </pre>
 * Non-finite numbers (an unscored item's NaN score, a metric with no items) are the strings "NaN", "Infinity",
 * "-Infinity", since JSON has no such numbers; the reader turns them back, so a round trip is exact.
 */
public final class EvalRunWriter implements AutoCloseable {
    private static final JsonFactory FACTORY = new JsonFactory();

    private enum State { RUN, BENCHMARK, FINISHED, CLOSED }

    private final Path file;
    private final Path partial;
    private final JsonGenerator g;
    private State state = State.RUN;
    private SummaryAccumulator accumulator;

    private EvalRunWriter(Path file, Path partial, JsonGenerator g) {
        this.file = file;
        this.partial = partial;
        this.g = g;
    }

    /** Starts the file of a run (parent folders made) and writes its info. */
    public static EvalRunWriter create(Path file, RunInfo info) throws IOException {
        Objects.requireNonNull(file, "run file is null");
        Objects.requireNonNull(info, "run info is null");
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path partial = abs.resolveSibling(abs.getFileName() + ".partial");
        JsonGenerator g = FACTORY.createGenerator(partial.toFile(), JsonEncoding.UTF8);
        g.useDefaultPrettyPrinter();
        EvalRunWriter w = new EvalRunWriter(abs, partial, g);
        try {
            w.writeInfo(info);
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
        return w;
    }

    /** Opens the next benchmark; its items follow. */
    public void beginBenchmark(String name, String primaryMetric) throws IOException {
        expect(State.RUN, "begin a benchmark");
        accumulator = new SummaryAccumulator(primaryMetric); // validates the name
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("benchmark name is null or empty");
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("primary_metric", primaryMetric);
        g.writeArrayFieldStart("items");
        state = State.BENCHMARK;
    }

    /** Writes one item of the open benchmark. */
    public void item(ItemRecord item) throws IOException {
        expect(State.BENCHMARK, "write an item");
        accumulator.add(item);
        writeItem(g, item);
    }

    /** Closes the open benchmark with the summary computed from its items by {@link SummaryAccumulator}. */
    public BenchmarkSummary endBenchmark() throws IOException {
        expect(State.BENCHMARK, "end a benchmark");
        BenchmarkSummary s = accumulator.summary();
        endBenchmark(s);
        return s;
    }

    /** Closes the open benchmark with a summary of the caller's. */
    public void endBenchmark(BenchmarkSummary summary) throws IOException {
        expect(State.BENCHMARK, "end a benchmark");
        Objects.requireNonNull(summary, "summary is null");
        g.writeEndArray();
        writeSummary(g, summary);
        g.writeEndObject();
        accumulator = null;
        state = State.RUN;
    }

    /** Writes one whole benchmark (items, then its own summary). */
    public void benchmark(BenchmarkResult result) throws IOException {
        beginBenchmark(result.name(), result.primaryMetric());
        for (ItemRecord item : result.items()) item(item);
        endBenchmark(result.summary());
    }

    /** Writes the end time, completes the file and moves it to its name. */
    public void finish(Instant ended) throws IOException {
        expect(State.RUN, "finish the run");
        Objects.requireNonNull(ended, "end time is null");
        g.writeEndArray();
        g.writeStringField("ended", ended.toString());
        g.writeEndObject();
        g.close();
        state = State.FINISHED;
        try {
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The file the finished run goes to. */
    public Path file() {
        return file;
    }

    /** The file written until {@link #finish}. */
    public Path partialFile() {
        return partial;
    }

    /** Closes the output; without {@link #finish} the partial file stays as it is. */
    @Override
    public void close() throws IOException {
        if (state == State.CLOSED) return;
        if (state != State.FINISHED) {
            g.flush();
            g.close();
        }
        state = State.CLOSED;
    }

    private void expect(State want, String what) {
        if (state != want) throw new IllegalStateException("run file " + file + ": cannot " + what + " now (state " + state + ")");
    }

    private void writeInfo(RunInfo info) throws IOException {
        g.writeStartObject();
        g.writeStringField("format", RunJsonFields.FORMAT);
        g.writeNumberField("version", RunJsonFields.VERSION);
        g.writeStringField("started", info.started().toString());
        g.writeStringField("device", info.device());
        g.writeObjectFieldStart("config");
        for (Map.Entry<String, String> e : info.config().entrySet()) g.writeStringField(e.getKey(), e.getValue());
        g.writeEndObject();
        g.writeFieldName("model");
        writeIdentity(g, info.model());
        g.writeFieldName("adapter");
        writeIdentity(g, info.adapter());
        g.writeArrayFieldStart("benchmarks");
    }

    private static void writeIdentity(JsonGenerator g, ArtifactIdentity id) throws IOException {
        if (id == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        g.writeStringField("path", id.path());
        g.writeNumberField("bytes", id.bytes());
        g.writeStringField("sha256", id.sha256());
        g.writeArrayFieldStart("files");
        for (ArtifactIdentity.FileDigest f : id.files()) {
            g.writeStartObject();
            g.writeStringField("path", f.path());
            g.writeNumberField("bytes", f.bytes());
            g.writeStringField("sha256", f.sha256());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeItem(JsonGenerator g, ItemRecord item) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", item.id());
        optionalText(g, "subject", item.subject());
        optionalText(g, "prompt", item.prompt());
        optionalText(g, "prediction", item.prediction());
        optionalText(g, "extracted", item.extracted());
        optionalText(g, "gold", item.gold());
        g.writeFieldName("score");
        RunJsonFields.writeDouble(g, item.score());
        if (!item.scores().isEmpty()) {
            g.writeObjectFieldStart("scores");
            for (Map.Entry<String, Double> e : item.scores().entrySet()) {
                g.writeFieldName(e.getKey());
                RunJsonFields.writeDouble(g, e.getValue());
            }
            g.writeEndObject();
        }
        if (!Double.isNaN(item.timeMs())) {
            g.writeFieldName("time_ms");
            RunJsonFields.writeDouble(g, item.timeMs());
        }
        if (item.promptTokens() >= 0) g.writeNumberField("prompt_tokens", item.promptTokens());
        if (item.generatedTokens() >= 0) g.writeNumberField("generated_tokens", item.generatedTokens());
        g.writeEndObject();
    }

    private static void optionalText(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) g.writeStringField(name, value);
    }

    private static void writeSummary(JsonGenerator g, BenchmarkSummary s) throws IOException {
        g.writeObjectFieldStart("summary");
        g.writeObjectFieldStart("metrics");
        for (Map.Entry<String, Double> e : s.metrics().entrySet()) {
            g.writeFieldName(e.getKey());
            RunJsonFields.writeDouble(g, e.getValue());
        }
        g.writeEndObject();
        g.writeObjectFieldStart("counts");
        for (Map.Entry<String, Long> e : s.counts().entrySet()) g.writeNumberField(e.getKey(), e.getValue());
        g.writeEndObject();
        g.writeObjectFieldStart("per_subject");
        for (Map.Entry<String, GroupScore> e : s.perSubject().entrySet()) {
            g.writeObjectFieldStart(e.getKey());
            g.writeFieldName("value");
            RunJsonFields.writeDouble(g, e.getValue().value());
            g.writeNumberField("n", e.getValue().n());
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeObjectFieldStart("pass_at_k");
        for (Map.Entry<Integer, Double> e : s.passAtK().entrySet()) {
            g.writeFieldName(Integer.toString(e.getKey()));
            RunJsonFields.writeDouble(g, e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }
}

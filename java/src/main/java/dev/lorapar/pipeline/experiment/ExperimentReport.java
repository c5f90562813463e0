package dev.lorapar.pipeline.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.train.export.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The report of {@code lorapar run}: {@code report.json} (the experiment file's settings, classification agreement,
 * partition statistics, the base's and every arm's metrics after every stage with the mask check and timings, the
 * adapters' folders) and {@code report.md} (the same as tables), with the partition's PNG plots copied beside them.
 */
public final class ExperimentReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the classification and partition outputs are (either may be null), and a note shown first (or null). */
    public record Context(Path agreementJson, Path partitionDir, String note) {
    }

    private ExperimentReport() {
    }

    /** Writes the report into {@code dir}; returns the Markdown file. */
    public static Path write(Path dir, Experiment e, Context ctx, ExperimentRun.Outcome o) throws IOException {
        Files.createDirectories(dir);
        ObjectNode json = JSON.createObjectNode();
        json.put("format", "lorapar-experiment-report/1");
        json.put("experiment", e.file().toString());
        json.put("model", e.model().toString());
        json.put("device", e.device());
        json.put("seed", e.seed());
        json.putPOJO("stages", e.stages());
        json.putPOJO("arms", e.arms());
        if (ctx.note() != null) json.put("note", ctx.note());
        JsonNode agreement = ctx.agreementJson() != null && Files.exists(ctx.agreementJson())
                ? JSON.readTree(ctx.agreementJson().toFile()) : null;
        JsonNode partition = ctx.partitionDir() != null ? JSON.readTree(ctx.partitionDir().resolve("partition.json").toFile())
                : null;
        if (agreement != null) {
            json.put("classification_dir", ctx.agreementJson().getParent().toString());
            json.set("classification", agreement);
        }
        if (partition != null) json.set("partition", partition);
        json.set("base", metricsJson(o.base()));
        ArrayNode stages = json.putArray("results");
        for (ExperimentRun.StageResult r : o.stages()) {
            ObjectNode s = stages.addObject();
            s.put("arm", r.arm());
            s.put("stage", r.stage());
            s.put("adapter", r.adapter().toString());
            s.put("masks", r.masks() == null ? "none (every element)" : r.masks().toString());
            s.put("elements", r.check().elements());
            s.put("trained_elements", r.check().active());
            s.put("trained_percent", percent(r.check().active(), r.check().elements()));
            s.put("trained_elements_moved", r.check().activeMoved());
            s.put("mask_violations", r.check().violations());
            s.put("seconds", r.seconds());
            s.put("cached", r.cached());
            s.set("metrics", metricsJson(r.metrics()));
        }
        List<String> plots = copyPlots(ctx.partitionDir(), dir);
        json.putPOJO("plots", plots);
        AtomicFiles.writeString(dir.resolve("report.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        Path md = dir.resolve("report.md");
        AtomicFiles.writeString(md, markdown(e, ctx, o, partition, agreement, plots));
        return md;
    }

    private static ObjectNode metricsJson(Map<String, Double> m) {
        ObjectNode n = JSON.createObjectNode();
        m.forEach(n::put);
        return n;
    }

    static double percent(long part, long whole) {
        return whole == 0 ? Double.NaN : 100.0 * part / whole;
    }

    private static List<String> copyPlots(Path from, Path to) throws IOException {
        List<String> names = new ArrayList<>();
        if (from == null) return names;
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                names.add(p.getFileName().toString());
            }
        }
        return names;
    }

    private static String markdown(Experiment e, Context ctx, ExperimentRun.Outcome o, JsonNode partition,
                                   JsonNode agreement, List<String> plots) {
        StringBuilder s = new StringBuilder("# lorapar run: ").append(e.file().getFileName()).append("\n\n");
        if (ctx.note() != null) s.append(ctx.note()).append("\n\n");
        s.append("Model `").append(e.model()).append("`, device ").append(e.device()).append(", seed ").append(e.seed())
                .append(", stages ").append(String.join(" → ", e.stages())).append(".\n\n");
        Set<String> metricNames = new LinkedHashSet<>(o.base().keySet());
        o.stages().forEach(r -> metricNames.addAll(r.metrics().keySet()));
        s.append("| arm | after stage | trained % of LoRA elements | mask violations |");
        metricNames.forEach(m -> s.append(' ').append(m).append(" |"));
        s.append(" seconds |\n|---|---|---|---|");
        metricNames.forEach(m -> s.append("---|"));
        s.append("---|\n| base | – | 0 | – |");
        metricNames.forEach(m -> s.append(' ').append(number(o.base().get(m))).append(" |"));
        s.append(" – |\n");
        for (ExperimentRun.StageResult r : o.stages()) {
            s.append("| ").append(r.arm()).append(" | ").append(r.stage()).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", percent(r.check().active(), r.check().elements())))
                    .append(" | ").append(r.check().violations()).append(" |");
            metricNames.forEach(m -> s.append(' ').append(number(r.metrics().get(m))).append(" |"));
            s.append(String.format(Locale.ROOT, " %s%s |%n", Double.isNaN(r.seconds()) ? "–"
                    : String.format(Locale.ROOT, "%.1f", r.seconds()), r.cached() ? " (cached)" : ""));
        }
        if (partition != null) {
            s.append("\n## Partition\n\nθ = ").append(partition.path("theta").asText()).append("; ")
                    .append(partition.path("elements").asText()).append(" LoRA elements.\n\n```\n")
                    .append(partition.toPrettyString()).append("\n```\n");
        }
        if (agreement != null) {
            s.append("\n## Classification agreement\n\n```\n").append(agreement.toPrettyString()).append("\n```\n");
        }
        if (!plots.isEmpty()) {
            s.append("\n## Plots\n\n");
            plots.forEach(p -> s.append("![").append(p).append("](").append(p).append(")\n"));
        }
        s.append("\n## Adapters\n\n");
        s.append("- init (the importance was taken here): `").append(o.initAdapter()).append("`\n");
        for (ExperimentRun.StageResult r : o.stages()) {
            s.append("- ").append(r.arm()).append(" after ").append(r.stage()).append(": `").append(r.adapter())
                    .append("` (PEFT, with its masks)\n");
        }
        return s.toString();
    }

    private static String number(Double v) {
        return v == null || v.isNaN() ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }
}

package dev.lorapar.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.pipeline.classify.ClassifyRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The demo's closing table, from the run's report.json: S1 and S2 test accuracy of the base and of every arm after
 * every stage, the share of LoRA elements each stage trained, its training time ("(c)": taken from the cache); how often the step-counting voter agreed with
 * the generator's own System-1/System-2 labels; and plain sentences comparing LoRA-PAR with plain LoRA and the random
 * subset after the last stage, whatever the sign.
 */
final class DemoSummary {
    static final String NOTE = "A synthetic benchmark and a tiny model that lorapar pretrained itself: these numbers "
            + "show the method running end to end and how its arms compare here; they are not comparable with the "
            + "paper's LLaMA-2 results.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoSummary() {
    }

    static String table(Path reportJson, Path mixedTrain) throws IOException {
        JsonNode r = JSON.readTree(reportJson.toFile());
        StringBuilder s = new StringBuilder("LoRA-PAR demo — ").append(NOTE).append("\n\n");
        s.append(String.format(Locale.ROOT, "%-9s %-6s %10s %8s %8s %11s%n", "arm", "after", "trained %", "S1 acc",
                "S2 acc", "seconds"));
        JsonNode base = r.get("base");
        s.append(String.format(Locale.ROOT, "%-9s %-6s %10s %8s %8s %11s%n", "base", "-", "0", pct(base, "S1 accuracy"),
                pct(base, "S2 accuracy"), "-"));
        for (JsonNode x : r.get("results")) {
            s.append(String.format(Locale.ROOT, "%-9s %-6s %10.2f %8s %8s %11s%n", x.get("arm").asText(),
                    x.get("stage").asText(), x.get("trained_percent").asDouble(), pct(x.get("metrics"), "S1 accuracy"),
                    pct(x.get("metrics"), "S2 accuracy"), seconds(x)));
        }
        if (r.has("classification_dir")) {
            s.append(voterAgreement(Path.of(r.get("classification_dir").asText()).resolve(ClassifyRun.LABELLED),
                    mixedTrain));
        }
        s.append(verdict(r.get("results")));
        return s.toString();
    }

    /** The stage's training time; "(c)" when this run took it from the cache. */
    private static String seconds(JsonNode x) {
        double s = x.path("seconds").asDouble(Double.NaN);
        return (Double.isNaN(s) ? "-" : String.format(Locale.ROOT, "%.1f", s)) + (x.get("cached").asBoolean() ? " (c)"
                : "");
    }

    private static String pct(JsonNode metrics, String name) {
        JsonNode v = metrics == null ? null : metrics.get(name);
        return v == null || !v.isNumber() ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v.asDouble());
    }

    /** Share of items whose voted label is the generator's label (S1 ↔ System1, S2 ↔ System2). */
    static String voterAgreement(Path labelled, Path mixedTrain) throws IOException {
        List<String> truth = Files.readAllLines(mixedTrain).stream().filter(l -> !l.isBlank()).toList();
        long agree = 0, n = 0;
        for (String line : Files.readAllLines(labelled)) {
            if (line.isBlank()) continue;
            JsonNode o = JSON.readTree(line);
            int index = o.get("index").asInt();
            if (index < 0 || index >= truth.size()) continue;
            String generator = JSON.readTree(truth.get(index)).path(DemoDataFiles.LABEL_FIELD).asText();
            String voted = o.get("label").asText();
            agree += ("S1".equals(generator) && "System1".equals(voted)) || ("S2".equals(generator)
                    && "System2".equals(voted)) ? 1 : 0;
            n++;
        }
        return String.format(Locale.ROOT, "%nclassification: the step-counting voter agrees with the generator's labels on "
                + "%.1f%% of %d training items%n", n == 0 ? Double.NaN : 100.0 * agree / n, n);
    }

    /** LoRA-PAR's final S1/S2 accuracy against the other arms' final ones, in words. */
    static String verdict(JsonNode results) {
        JsonNode lorapar = last(results, "lorapar");
        if (lorapar == null) return "";
        StringBuilder s = new StringBuilder();
        for (String other : new String[] {"lora", "random"}) {
            JsonNode o = last(results, other);
            if (o == null) continue;
            for (String set : new String[] {"S1", "S2"}) {
                double d = 100 * (lorapar.get("metrics").path(set + " accuracy").asDouble(Double.NaN)
                        - o.get("metrics").path(set + " accuracy").asDouble(Double.NaN));
                s.append(String.format(Locale.ROOT, "%s: LoRA-PAR (%.1f%% of LoRA elements) is %s %s (%.1f%%)%s%n",
                        set, lorapar.get("trained_percent").asDouble(), d > 0 ? "ahead of" : d < 0 ? "behind"
                                : Double.isNaN(d) ? "not comparable with" : "level with", other,
                        o.get("trained_percent").asDouble(), d == 0 || Double.isNaN(d) ? ""
                                : String.format(Locale.ROOT, " by %.1f points", Math.abs(d))));
            }
        }
        return "\n" + s;
    }

    private static JsonNode last(JsonNode results, String arm) {
        JsonNode found = null;
        for (JsonNode x : results) {
            if (x.get("arm").asText().equals(arm)) found = x;
        }
        return found;
    }
}

package dev.lorapar.pipeline.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorapar.train.ConfigFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An experiment file ({@code lorapar run experiment.yaml}, YAML or JSON): the model, the data, and one section per
 * stage whose keys are the flags of that stage's own command ({@code lorapar classify / score / sft / grpo / eval
 * --help}), so every setting is validated by the command that uses it. Relative paths are relative to the file's
 * folder. Layout:
 * <pre>
 * model: path/to/model            # HF folder, llama2.c .bin or .gguf (required)
 * tokenizer: path                 # optional: default next to the model
 * output_dir: runs/experiment     # every stage's folder goes here (default: beside the file, runs/&lt;file name&gt;)
 * device: auto                    # cpu, cuda:N or auto
 * seed: 42                        # the LoRA init, data order, sampling and random baselines
 * data: {train: all.jsonl}        # classified by the teachers, or already split: {s1: a.jsonl, s2: b.jsonl}
 * classify: {voters: steps}       # lorapar classify flags (teachers, voters, target_model, role_play, …)
 * lora: {lora_r: 8, lora_alpha: 64, lora_init: gaussian, lora_sigma: 0.01}   # shared by score and training
 * score: {samples: 100, max_length: 512}
 * partition: {theta: 0.9, alpha: 1, beta: 1}
 * stages: [sft, grpo]             # the order of the two training stages (the paper's Table 7 reverses it)
 * sft: {lr: 2e-4, batch_size: 8, max_steps: 100, template: reference}       # lorapar sft flags
 * grpo: {data: s2, max_steps: 50, rewards: numeric, template: reference}    # lorapar grpo flags; data: s2 or all
 * eval: {benchmarks: gsm8k, data_dir: ../shared/data, limit: 200}           # lorapar eval flags
 * arms: [lorapar, lora, random]   # lorapar + baselines, same budget and seeds
 * </pre>
 * Arms: {@code lorapar} (each stage on its partition mask), {@code lora} (the same stages on every element),
 * {@code random} (each stage on a random subset of the size of its LoRA-PAR mask), {@code sft_only} (plain LoRA SFT
 * on all data, no second stage), {@code pissa} / {@code olora} (the stages on every element from the PiSSA / OLoRA init
 * of the same rank, alpha, targets and seed; PiSSA by exact SVD unless the lora section's lora_init is a PiSSA variant),
 * {@code pissa_par} / {@code olora_par} (scored and partitioned at that init — their own cached score and partition
 * stages — then each stage on its mask). {@link #withBaselines} adds every baseline arm ({@code lorapar run --baselines}).
 */
public record Experiment(Path file, Path model, Path tokenizer, Path outputDir, String device, long seed,
                         Path trainData, Path s1Data, Path s2Data, Map<String, String> classify,
                         Map<String, String> lora, Map<String, String> score, Map<String, String> partition,
                         List<String> stages, Map<String, String> sft, Map<String, String> grpo,
                         Map<String, String> eval, List<String> arms) {
    static final Set<String> TOP_LEVEL = Set.of("model", "tokenizer", "output_dir", "device", "seed", "data",
            "classify", "lora", "score", "partition", "stages", "sft", "grpo", "eval", "arms");
    /** The baseline arms, in report order. */
    public static final List<String> BASELINES = List.of("lora", "random", "sft_only", "pissa", "pissa_par", "olora",
            "olora_par");
    static final Set<String> ARMS = Set.of("lorapar", "lora", "random", "sft_only", "pissa", "pissa_par", "olora",
            "olora_par");
    /** Keys of sections whose values are paths (resolved against the file's folder). */
    static final Set<String> PATH_KEYS = Set.of("teachers", "journal", "data_dir", "tokenizer");

    public Experiment {
        for (String s : stages) {
            if (!s.equals("sft") && !s.equals("grpo")) {
                throw new IllegalArgumentException(file + ": stages: '" + s + "' is not sft or grpo");
            }
        }
        if (stages.isEmpty() || stages.size() != Set.copyOf(stages).size()) {
            throw new IllegalArgumentException(file + ": stages must name sft and/or grpo, each once, got " + stages);
        }
        for (String a : arms) {
            if (!ARMS.contains(a)) {
                throw new IllegalArgumentException(file + ": arms: unknown arm '" + a + "' (known: " + ARMS + ")");
            }
        }
        if (trainData == null && (s1Data == null || s2Data == null)) {
            throw new IllegalArgumentException(file + ": data needs train (to classify) or both s1 and s2");
        }
    }

    /** This experiment with every baseline arm ({@link #BASELINES}) after the file's arms (none twice). */
    public Experiment withBaselines() {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(arms);
        all.addAll(BASELINES);
        return new Experiment(file, model, tokenizer, outputDir, device, seed, trainData, s1Data, s2Data, classify, lora,
                score, partition, stages, sft, grpo, eval, List.copyOf(all));
    }

    /** Reads and checks {@code file}; an unknown key or a missing required one names the file and the key. */
    public static Experiment read(Path file) {
        JsonNode root = ConfigFiles.readObject(file);
        Path base = file.toAbsolutePath().getParent();
        root.fieldNames().forEachRemaining(k -> {
            if (!TOP_LEVEL.contains(k)) {
                throw new IllegalArgumentException(file + ": unknown key '" + k + "' (known: " + TOP_LEVEL + ")");
            }
        });
        if (!root.hasNonNull("model")) {
            throw new IllegalArgumentException(file + ": 'model' is required");
        }
        Map<String, String> data = section(file, root, "data", base);
        for (String k : data.keySet()) {
            if (!Set.of("train", "s1", "s2").contains(k)) {
                throw new IllegalArgumentException(file + ": data: unknown key '" + k + "' (train, s1, s2)");
            }
        }
        String name = file.getFileName().toString().replaceFirst("\\.(ya?ml|json)$", "");
        Path out = root.hasNonNull("output_dir") ? base.resolve(root.get("output_dir").asText())
                : base.resolve("runs").resolve(name);
        return new Experiment(file, base.resolve(root.get("model").asText()),
                root.hasNonNull("tokenizer") ? base.resolve(root.get("tokenizer").asText()) : null, out,
                text(root, "device", "auto"), Long.parseLong(text(root, "seed", "42")), path(data, "train"),
                path(data, "s1"), path(data, "s2"), section(file, root, "classify", base), section(file, root, "lora", base),
                section(file, root, "score", base), section(file, root, "partition", base),
                list(root, "stages", List.of("sft", "grpo")), section(file, root, "sft", base),
                section(file, root, "grpo", base), section(file, root, "eval", base),
                list(root, "arms", List.of("lorapar", "lora")));
    }

    private static Path path(Map<String, String> m, String key) {
        return m.containsKey(key) ? Path.of(m.get(key)) : null;
    }

    private static String text(JsonNode root, String key, String fallback) {
        return root.hasNonNull(key) ? root.get(key).asText() : fallback;
    }

    private static List<String> list(JsonNode root, String key, List<String> fallback) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            v.forEach(e -> out.add(e.asText().trim().toLowerCase(Locale.ROOT)));
        } else {
            for (String s : v.asText().split(",")) {
                out.add(s.trim().toLowerCase(Locale.ROOT));
            }
        }
        return List.copyOf(out);
    }

    /** A section as flag values (lists joined by commas); path-valued keys resolved against {@code base}. */
    private static Map<String, String> section(Path file, JsonNode root, String key, Path base) {
        JsonNode v = root.get(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isObject()) {
            throw new IllegalArgumentException(file + ": '" + key + "' must be a mapping of settings");
        }
        v.properties().forEach(e -> {
            JsonNode x = e.getValue();
            if (x.isObject()) {
                throw new IllegalArgumentException(file + ": " + key + "." + e.getKey() + " must be a value or a list");
            }
            String text;
            if (x.isArray()) {
                List<String> parts = new ArrayList<>();
                x.forEach(p -> parts.add(p.asText()));
                text = String.join(",", parts);
            } else {
                text = x.asText();
            }
            boolean isPath = key.equals("data") || PATH_KEYS.contains(e.getKey()) || e.getKey().startsWith("file_");
            out.put(e.getKey(), isPath && !text.isEmpty() ? base.resolve(text).toString() : text);
        });
        return out;
    }

    /**
     * The section's settings as {@code --key value} arguments, after {@code fixed} (which the section may not set;
     * a null value there is left out).
     */
    public static List<String> args(Map<String, String> section, Map<String, String> fixed, String sectionName) {
        List<String> args = new ArrayList<>();
        fixed.forEach((k, v) -> {
            if (section.containsKey(k)) {
                throw new IllegalArgumentException(sectionName + "." + k + " is set by lorapar run itself");
            }
            if (v != null) {
                args.add("--" + k);
                args.add(v);
            }
        });
        section.forEach((k, v) -> {
            args.add("--" + k);
            args.add(v);
        });
        return args;
    }
}

package dev.lorapar.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of a training run: built-in defaults, overridden by a config file (YAML or JSON), overridden by command-line
 * flags ({@code --key value} or {@code --key=value}; keys in snake_case, as in the file). An unknown key or a value of
 * the wrong type is an error naming it. {@link #describe()} lists every effective value with where it came from
 * (logged at the start of a run and stored in checkpoints).
 */
public final class TrainConfig {
    /** Every key of SFT, its default (null = required) and what it means. */
    private static final Map<String, String[]> KEYS = new LinkedHashMap<>();

    static {
        key("model", null, "checkpoint: Hugging Face folder, llama2.c .bin or .gguf");
        key("tokenizer", "", "tokenizer file (tokenizer.model / tokenizer.json / tokenizer.bin); empty = next to the model");
        key("train_data", null, "JSON / JSONL training data");
        key("template", "reference", "prompt template: plain, reference (<s>{q}</s>{a}</s>) or llama2-chat");
        key("max_length", "512", "tokens per sample after truncation");
        key("batch_size", "8", "samples per micro-batch");
        key("grad_accumulation", "1", "micro-batches per optimizer step");
        key("epochs", "1", "passes over the training data");
        key("max_steps", "0", "optimizer steps (0 = from epochs)");
        key("packing", "false", "pack several samples per row (attention stays within a sample)");
        key("malformed", "skip", "malformed data lines: skip (reported) or fail");
        key("eval_fraction", "0.02", "held-out fraction of the data for eval loss");
        key("eval_every", "100", "optimizer steps between eval losses (0 = never)");
        key("lr", "2e-4", "peak learning rate");
        key("schedule", "cosine", "constant, linear or cosine");
        key("warmup_ratio", "0.03", "warm-up as a fraction of all steps");
        key("min_lr_ratio", "0.0", "final learning rate / peak");
        key("weight_decay", "0.0", "decoupled weight decay");
        key("beta1", "0.9", "AdamW beta1");
        key("beta2", "0.999", "AdamW beta2");
        key("eps", "1e-8", "AdamW epsilon");
        key("max_grad_norm", "1.0", "clip the global gradient norm (0 = off)");
        key("full_finetune", "false", "train every base weight instead of a LoRA adapter (small models)");
        key("lora_r", "8", "LoRA rank");
        key("lora_alpha", "16", "LoRA alpha (scale alpha / r)");
        key("lora_targets", "q_proj,k_proj,v_proj,gate_proj,up_proj,down_proj", "adapted projections");
        key("lora_init", "peft", "peft, gaussian, pissa, pissa_niter_N or olora");
        key("lora_sigma", "0.01", "standard deviation of the gaussian init");
        key("init_adapter", "", "PEFT adapter folder to start from (its values, LoRA settings and masks); empty = fresh");
        key("masks", "", "folder with lorapar mask files (e.g. a partition's stage mask): only active elements train");
        key("seed", "42", "seed of the init, the data order and the split");
        key("device", "auto", "cpu, cuda:N or auto (the first GPU when there is one)");
        key("recompute", "false", "recompute each layer's activations in the backward (less memory)");
        key("output_dir", "runs/sft", "where checkpoints, metrics, plots and the adapter go");
        key("checkpoint_every", "200", "optimizer steps between checkpoints (0 = only at the end)");
        key("keep_checkpoints", "2", "checkpoints kept");
        key("log_every", "10", "optimizer steps between plain progress lines");
        key("data_parallel", "1", "ranks as threads of this process: CPU threads, or GPUs cuda:0 … N−1 over NCCL");
        key("world_size", "", "processes of a multi-process run (one per GPU, NCCL); empty = WORLD_SIZE or 1");
        key("rank", "", "this process's rank; empty = RANK or 0");
        key("local_rank", "", "this process's GPU; empty = LOCAL_RANK or the rank");
        key("master_addr", "", "rank 0's rendezvous host; empty = MASTER_ADDR or 127.0.0.1");
        key("master_port", "", "rank 0's rendezvous port; empty = MASTER_PORT or 29500");
        key("dist_timeout_s", "600", "seconds a rank waits for the others before failing");
        key("dp_overlap", "true", "data parallel: sum each layer's LoRA gradients while the backward runs (false: after)");
    }

    private static void key(String name, String defaultValue, String help) {
        KEYS.put(name, new String[] {defaultValue, help});
    }

    /**
     * A table of settings for another command built on this machinery (e.g. GRPO): name → default (null = required)
     * and help, in the order {@link #help} lists them. Starts from a copy of the SFT table or empty.
     */
    public static final class Keys {
        private final Map<String, String[]> table = new LinkedHashMap<>();

        private Keys() {
        }

        /** A copy of the SFT settings, to change. */
        public static Keys sft() {
            Keys k = new Keys();
            KEYS.forEach((name, v) -> k.table.put(name, v.clone()));
            return k;
        }

        /** No settings yet. */
        public static Keys empty() {
            return new Keys();
        }

        /** Adds (or replaces) a setting, appended in the listing when new. */
        public Keys add(String name, String defaultValue, String help) {
            table.put(name, new String[] {defaultValue, help});
            return this;
        }

        /** Copies settings of the SFT table (with their defaults and help), in the given order. */
        public Keys addFromSft(String... names) {
            for (String n : names) {
                String[] v = KEYS.get(n);
                if (v == null) {
                    throw new IllegalArgumentException("no SFT setting '" + n + "'");
                }
                table.put(n, v.clone());
            }
            return this;
        }

        /** Changes the default of an existing setting. */
        public Keys withDefault(String name, String defaultValue) {
            String[] v = table.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no setting '" + name + "' to change");
            }
            v[0] = defaultValue;
            return this;
        }
    }

    private final Map<String, String[]> keys;   // the table these values were parsed against
    private final Map<String, String> values;   // key → value as text
    private final Map<String, String> origin;   // key → default / file / flag

    private TrainConfig(Map<String, String[]> keys, Map<String, String> values, Map<String, String> origin) {
        this.keys = keys;
        this.values = values;
        this.origin = origin;
    }

    /** Defaults, then the file named by {@code --config FILE} (if any), then the other flags. */
    public static TrainConfig parse(String... args) {
        return parse(KEYS, args);
    }

    /** {@link #parse(String...)} against another table of settings ({@link Keys}). */
    public static TrainConfig parse(Keys keys, String... args) {
        return parse(new LinkedHashMap<>(keys.table), args);
    }

    private static TrainConfig parse(Map<String, String[]> keys, String... args) {
        Map<String, String> values = new LinkedHashMap<>(), origin = new LinkedHashMap<>();
        keys.forEach((k, v) -> {
            if (v[0] != null) {
                values.put(k, v[0]);
                origin.put(k, "default");
            }
        });
        List<String[]> flags = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("expected --key value, got '" + a + "'");
            }
            String k = a.substring(2), v;
            int eq = k.indexOf('=');
            if (eq >= 0) {
                v = k.substring(eq + 1);
                k = k.substring(0, eq);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + k + " needs a value");
                }
                v = args[++i];
            }
            flags.add(new String[] {k.replace('-', '_'), v});
        }
        for (String[] f : flags) {
            if (f[0].equals("config")) {
                readFile(keys, Path.of(f[1]), values, origin);
            }
        }
        for (String[] f : flags) {
            if (!f[0].equals("config")) {
                put(keys, values, origin, f[0], f[1], "flag");
            }
        }
        for (var e : keys.entrySet()) {
            if (!values.containsKey(e.getKey())) {
                throw new IllegalArgumentException("missing required setting '" + e.getKey() + "' (" + e.getValue()[1] + ")");
            }
        }
        TrainConfig c = new TrainConfig(keys, values, origin);
        c.validate();
        return c;
    }

    private static void readFile(Map<String, String[]> keys, Path file, Map<String, String> values,
                                 Map<String, String> origin) {
        JsonNode root = ConfigFiles.readObject(file);
        root.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v.isContainerNode() && !v.isArray()) {
                throw new IllegalArgumentException(file + ": '" + e.getKey() + "' must be a value, not an object");
            }
            String text = v.isArray() ? joinArray(v) : v.asText();
            put(keys, values, origin, e.getKey(), text, file.getFileName().toString());
        });
    }

    private static String joinArray(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(n -> parts.add(n.asText()));
        return String.join(",", parts);
    }

    private static void put(Map<String, String[]> keys, Map<String, String> values, Map<String, String> origin,
                            String key, String value, String from) {
        if (!keys.containsKey(key)) {
            throw new IllegalArgumentException("unknown setting '" + key + "' (from " + from + "); known: "
                    + String.join(", ", keys.keySet()));
        }
        values.put(key, value);
        origin.put(key, from);
    }

    /** Checks the SFT settings this table has (another table checks its own further settings). */
    private void validate() {
        for (String k : List.of("max_length", "batch_size", "grad_accumulation", "epochs", "lora_r", "data_parallel")) {
            if (has(k) && integer(k) < 1) {
                throw new IllegalArgumentException(k + " must be ≥ 1, got " + text(k));
            }
        }
        for (String k : List.of("max_steps", "eval_every", "checkpoint_every", "log_every")) {
            if (has(k) && integer(k) < 0) {
                throw new IllegalArgumentException(k + " must be ≥ 0, got " + text(k));
            }
        }
        if (has("keep_checkpoints") && integer("keep_checkpoints") < 1) {
            throw new IllegalArgumentException("keep_checkpoints must be ≥ 1, got " + text("keep_checkpoints"));
        }
        if (has("dist_timeout_s") && !(real("dist_timeout_s") > 0)) {
            throw new IllegalArgumentException("dist_timeout_s must be > 0, got " + text("dist_timeout_s"));
        }
        if (has("eval_fraction")) {
            double f = real("eval_fraction");
            if (!(f >= 0 && f < 1)) {
                throw new IllegalArgumentException("eval_fraction must be in [0, 1), got " + f);
            }
        }
        if (has("schedule")) {
            LrSchedule.Kind.parse(text("schedule"));
        }
        for (String k : List.of("packing", "full_finetune", "recompute")) {
            if (has(k)) {
                bool(k);
            }
        }
        if (has("malformed")) {
            String policy = text("malformed").toLowerCase(Locale.ROOT);
            if (!policy.equals("skip") && !policy.equals("fail")) {
                throw new IllegalArgumentException("malformed must be skip or fail, got " + text("malformed"));
            }
        }
    }

    /** Whether this configuration's table has the setting {@code key}. */
    public boolean has(String key) {
        return keys.containsKey(key);
    }

    public String text(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("unknown setting '" + key + "'");
        }
        return v;
    }

    public int integer(String key) {
        try {
            return Integer.parseInt(text(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + text(key) + "' (from "
                    + origin.get(key) + ")");
        }
    }

    public double real(String key) {
        try {
            double d = Double.parseDouble(text(key).trim());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a finite number, got '" + text(key) + "' (from "
                    + origin.get(key) + ")");
        }
    }

    public boolean bool(String key) {
        String v = text(key).trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, got '" + text(key) + "'");
        };
    }

    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        for (String s : text(key).split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Every effective value, one line each: {@code key = value  (origin)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%-18s = %-40s (%s)%n", k, v, origin.get(k))));
        return sb.toString();
    }

    /** The effective values (for checkpoints and metrics). */
    public Map<String, String> values() {
        return Collections.unmodifiableMap(values);
    }

    /** Every key with its default and meaning, for --help. */
    public static String help() {
        return help(KEYS);
    }

    /** {@link #help()} of another table of settings. */
    public static String help(Keys keys) {
        return help(keys.table);
    }

    private static String help(Map<String, String[]> keys) {
        StringBuilder sb = new StringBuilder();
        keys.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  --%-18s %s%s%n", k, v[1],
                v[0] == null ? " (required)" : " [" + v[0] + "]")));
        return sb.toString();
    }
}

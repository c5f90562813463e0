package dev.lorapar.pipeline.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.dist.Collective;
import dev.lorapar.dist.DeviceRanks;
import dev.lorapar.dist.LaunchEnv;
import dev.lorapar.eval.report.ContentHasher;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.pipeline.partition.PartitionRun;
import dev.lorapar.pipeline.stage.StageDir;
import dev.lorapar.pipeline.stage.StageKey;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.data.DataReader;
import dev.lorapar.train.data.Progress;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.data.Sample;
import dev.lorapar.train.data.SampleEncoder;
import dev.lorapar.train.data.SeededShuffle;
import dev.lorapar.train.export.AtomicFiles;
import dev.lorapar.train.report.ProgressReporter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.time.Duration;

/**
 * The score stage: for each system, N samples drawn (seeded, without replacement) from its data, encoded with the
 * prompt template (loss on answer tokens only), scored by {@link ImportanceScorer} at the adapter's init. Outputs in
 * a {@link StageDir} keyed by model, tokenizer and data contents and every setting that changes the numbers:
 * {@code importance-<system>.safetensors} ({@link ImportanceScores}) and {@value #SUMMARY} (format
 * {@value #FORMAT}: the LoRA config and, per system, file, samples, mean loss, total / max / L2 norm / non-zero count
 * of the importance).
 */
public final class ScoreRun {
    public static final String SUMMARY = "importance.json";
    public static final String FORMAT = "lorapar-importance-summary/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScoreRun() {
    }

    /** One system: its name (letters, digits, '-', '_') and training data file. */
    public record SystemData(String name, Path data) {
        public SystemData {
            if (!name.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("system name '" + name + "' must be letters, digits, '-' or '_'");
            }
        }
    }

    /** Everything a score run needs. */
    public record Settings(Path model, Path tokenizer, List<SystemData> systems, int samples, long sampleSeed,
                           int maxLength, PromptFormat template, LoraConfig lora, Device device, boolean force,
                           ProgressReporter.Mode progress, int dataParallel, Duration distTimeout,
                           LaunchEnv launch) {
        public Settings {
            systems = List.copyOf(systems);
            Objects.requireNonNull(launch, "launch");
            if (dataParallel < 1) throw new IllegalArgumentException("data_parallel must be ≥ 1, got " + dataParallel);
            if (distTimeout.isNegative() || distTimeout.isZero()) {
                throw new IllegalArgumentException("dist_timeout_s must be > 0, got " + distTimeout);
            }
            if (samples < 1) throw new IllegalArgumentException("samples must be ≥ 1, got " + samples);
            if (maxLength < 2) throw new IllegalArgumentException("max_length must be ≥ 2, got " + maxLength);
            if (systems.isEmpty()) throw new IllegalArgumentException("no systems to score");
        }

        /** These settings with another LoRA config (init, seed …). */
        public Settings withLora(LoraConfig other) {
            return new Settings(model, tokenizer, systems, samples, sampleSeed, maxLength, template, other, device,
                    force, progress, dataParallel, distTimeout, launch);
        }
    }

    /**
     * The stage's key. {@code data_parallel} is not part of it: any number of ranks gives the same importance within
     * fp32 rounding of the summation order, so a folder scored with N ranks serves a run with M.
     */
    public static StageKey key(Settings s) throws IOException {
        return key(s, s.device());
    }

    /** The key of {@code s} scored on {@code device} (a rank of a multi-process run is on cuda:local_rank). */
    private static StageKey key(Settings s, Device device) throws IOException {
        // the checkpoint may be many GB: its hash is cached by (path, size, mtime) in ~/.cache/lorapar
        StageKey key = StageKey.of("score").file("model", s.model(), ContentHasher.withDefaultCache());
        if (s.tokenizer() != null) key.file("tokenizer", s.tokenizer());
        StringBuilder names = new StringBuilder();
        for (SystemData d : s.systems()) {
            key.file("data." + d.name(), d.data());
            names.append(names.isEmpty() ? "" : ",").append(d.name());
        }
        LoraConfig l = s.lora();
        return key.setting("systems", names).setting("samples", s.samples()).setting("sample_seed", s.sampleSeed())
                .setting("max_length", s.maxLength()).setting("template", s.template())
                .setting("lora_r", l.rank()).setting("lora_alpha", l.alpha()).setting("lora_targets", l.targets())
                .setting("lora_init", l.init()).setting("lora_seed", l.seed())
                .setting("dtype", device.isCuda() ? "BF16" : "F32");
    }

    /**
     * Runs the stage under {@code root} unless a complete folder with the same key is there: one rank, {@code
     * data_parallel} N &gt; 1 ranks as threads of this process ({@link DeviceRanks#run}), or, with a world size &gt; 1
     * ({@link Settings#launch}), this process's rank of a multi-process NCCL run ({@link DeviceRanks#process}: the
     * settings are checked before anything is read or written). Rank 0 alone decides whether the stage is up to date
     * (the others follow it), reports and writes the stage folder.
     */
    public static StageDir run(Path root, Settings s, PrintStream out, PrintStream err) throws IOException {
        if (s.launch().distributed()) {
            return DeviceRanks.process(s.launch(), s.dataParallel(), s.distTimeout(), (collective, device) ->
                    runRank(root, s, collective, device, out, err));
        }
        StageDir stage = StageDir.of(root, key(s));
        if (upToDate(stage, s, out)) {
            return stage;
        }
        List<Scored> scored = s.dataParallel() == 1 ? scoreAll(s, null, s.device(), err)
                : DeviceRanks.rankZero(s.device(), s.dataParallel(), s.distTimeout(), "lorapar-score",
                        (collective, device) -> scoreAll(s, collective, device, collective.rank() == 0 ? err : null));
        write(stage, s, s.dataParallel(), scored, out);
        return stage;
    }

    /**
     * One rank of a multi-process run on {@code device}: rank 0 decides whether the stage under {@code root} is up to
     * date (the other ranks follow, whatever their own {@code root} holds), every rank scores its share, rank 0 alone
     * reports and writes the stage folder (the others write nothing). Returns the stage folder as this rank names it.
     */
    public static StageDir runRank(Path root, Settings s, Collective collective, Device device, PrintStream out,
                                   PrintStream err) throws IOException {
        boolean rankZero = collective.rank() == 0;
        StageDir stage = StageDir.of(root, key(s, device));
        if (collective.sum(rankZero && upToDate(stage, s, out) ? 1L : 0L) > 0) {
            return stage;
        }
        List<Scored> scored = scoreAll(s, collective, device, rankZero ? err : null);
        if (rankZero) {
            write(stage, s, collective.worldSize(), scored, out);
        }
        return stage;
    }

    /** True (and said on {@code out}) when {@code stage} is complete and {@code force} is off. */
    private static boolean upToDate(StageDir stage, Settings s, PrintStream out) throws IOException {
        if (!s.force() && stage.complete()) {
            out.println("score: up to date in " + stage.dir() + ": skipped");
            return true;
        }
        return false;
    }

    /** The stage folder of {@code scored} ({@code ranks} ranks): each system's importance file, then the summary. */
    private static void write(StageDir stage, Settings s, int ranks, List<Scored> scored, PrintStream out)
            throws IOException {
        Path dir = stage.create();
        ObjectNode summary = JSON.createObjectNode();
        summary.put("format", FORMAT);
        summary.put("model", s.model().toString());
        summary.put("ranks", ranks);
        summary.put("loss", "mean cross-entropy over the answer tokens of one sample (batch 1)");
        summary.put("formula", "I = |Σ_n g·φ − ½·Σ_n (g·φ)²| / N per element, at the adapter's init");
        summary.put("rows", "as in a PEFT adapter_model.safetensors (q/k lora_B rows in rotate-half order)");
        summary.put("order", "flat index = matrices in file order (layer, module q k v o gate up down; A then B), "
                + "row-major");
        ObjectNode lora = summary.putObject("lora");
        lora.put("r", s.lora().rank());
        lora.put("alpha", s.lora().alpha());
        ArrayNode targets = lora.putArray("targets");
        for (LoraTarget t : s.lora().targets()) targets.add(t.peftName());
        lora.put("init", s.lora().init().toString());
        lora.put("seed", s.lora().seed());
        ArrayNode systems = summary.putArray("systems");
        List<String> outputs = new ArrayList<>();
        for (Scored one : scored) {
            String file = "importance-" + one.system().name() + ".safetensors";
            one.scores().write(dir.resolve(file));
            outputs.add(file);
            systems.add(describe(one.scores(), file, one.system(), one.seconds()));
            out.printf("score: %s: %d samples in %.2f s → %s%n", one.system().name(), one.scores().samples(),
                    one.seconds(), dir.resolve(file));
        }
        AtomicFiles.writeString(dir.resolve(SUMMARY), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        outputs.add(SUMMARY);
        stage.finish(outputs, null);
    }

    /** One system's importance and the wall seconds of its scoring. */
    private record Scored(SystemData system, ImportanceScores scores, double seconds) {
    }

    /**
     * Every system scored on {@code device}: alone ({@code collective} null) or as one rank of a data-parallel group
     * (each rank loads the model and makes the same adapter from the LoRA seed, scores its share of the samples, and
     * the sums are reduced: {@link ImportanceScorer#score(String, List, ProgressReporter, Collective)}). {@code err}
     * (null on ranks other than 0) gets the warnings and the progress bar.
     */
    private static List<Scored> scoreAll(Settings s, Collective collective, Device device, PrintStream err)
            throws IOException {
        int rank = collective == null ? 0 : collective.rank(), world = collective == null ? 1 : collective.worldSize();
        List<Scored> scored = new ArrayList<>();
        try (Stream stream = Stream.create(device);
             Checkpoint ckpt = Checkpoints.open(s.model())) {
            Tokenizer tokenizer = s.tokenizer() == null ? Tokenizers.nextTo(s.model()) : Tokenizers.open(s.tokenizer());
            SampleEncoder encoder = new SampleEncoder(tokenizer, s.template(), SampleEncoder.Options.of(s.maxLength()));
            DType dtype = device.isCuda() ? DType.BF16 : DType.F32;
            try (LlamaWeights weights = LlamaWeights.upload(ckpt, stream, dtype);
                 LoraAdapter adapter = LoraAdapter.create(weights, s.lora(), stream);
                 ImportanceScorer scorer = new ImportanceScorer(adapter, stream, s.maxLength())) {
                for (SystemData d : s.systems()) {
                    List<Sample> all = encoder.encodeAll(DataReader.read(d.data(), ReadOptions.defaults()).examples(),
                            Progress.NONE).samples();
                    List<Sample> chosen = draw(all, s.samples(), s.sampleSeed());
                    if (chosen.size() < s.samples() && err != null) {
                        err.println("score: system " + d.name() + " has only " + chosen.size() + " usable samples in "
                                + d.data() + " (asked for " + s.samples() + "): scoring all of them");
                    }
                    long t0 = System.nanoTime();
                    ImportanceScores scores;
                    if (err == null) {
                        scores = scorer.score(d.name(), chosen, null, collective);
                    } else {
                        try (ProgressReporter bar = ProgressReporter.builder("score " + d.name()
                                        + (world > 1 ? " (rank 0 of " + world + ")" : ""),
                                        ImportanceScorer.share(chosen.size(), rank, world)).out(err)
                                .mode(s.progress()).unit("samples").build()) {
                            scores = scorer.score(d.name(), chosen, bar, collective);
                        }
                    }
                    scored.add(new Scored(d, scores, (System.nanoTime() - t0) / 1e9));
                }
            }
        }
        return scored;
    }

    private static ObjectNode describe(ImportanceScores scores, String file, SystemData d, double seconds) {
        double total = 0, sq = 0, max = 0;
        long nonzero = 0;
        for (float v : scores.values()) {
            total += v;
            sq += (double) v * v;
            max = Math.max(max, v);
            if (v != 0) nonzero++;
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("name", d.name());
        o.put("file", file);
        o.put("data", d.data().toString());
        o.put("samples", scores.samples());
        o.put("elements", scores.elements());
        o.put("total", total);
        o.put("max", max);
        o.put("l2_norm", Math.sqrt(sq));
        o.put("nonzero", nonzero);
        o.put("seconds", seconds);
        return o;
    }

    /** {@code n} samples with answer tokens drawn without replacement by a seeded shuffle (all when fewer). */
    public static List<Sample> draw(List<Sample> all, int n, long seed) {
        List<Sample> usable = new ArrayList<>();
        for (Sample s : all) if (s.targetCount() > 0) usable.add(s);
        SeededShuffle.shuffle(usable, seed);
        return new ArrayList<>(usable.subList(0, Math.min(n, usable.size())));
    }

    /** The partition inputs of a finished score folder: each system's name and importance file, from its summary. */
    public static List<PartitionRun.Input> partitionInputs(Path scoreDir) throws IOException {
        Path summary = scoreDir.resolve(SUMMARY);
        if (!Files.isRegularFile(summary)) throw new IllegalArgumentException(scoreDir + " has no " + SUMMARY);
        JsonNode json = JSON.readTree(summary.toFile());
        if (!FORMAT.equals(json.path("format").asText())) {
            throw new IllegalArgumentException(summary + ": format " + json.get("format") + " is not " + FORMAT);
        }
        List<PartitionRun.Input> inputs = new ArrayList<>();
        for (JsonNode sys : json.path("systems")) {
            inputs.add(new PartitionRun.Input(sys.path("name").asText(), scoreDir.resolve(sys.path("file").asText())));
        }
        return inputs;
    }
}

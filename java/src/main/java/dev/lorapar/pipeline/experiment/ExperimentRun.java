package dev.lorapar.pipeline.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.core.Stream;
import dev.lorapar.eval.report.ContentHasher;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.pipeline.partition.PartitionRun;
import dev.lorapar.pipeline.score.ImportanceScores;
import dev.lorapar.pipeline.score.ScoreRun;
import dev.lorapar.pipeline.stage.StageDir;
import dev.lorapar.pipeline.stage.StageKey;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.export.AtomicFiles;
import dev.lorapar.train.export.PeftExport;
import dev.lorapar.train.export.PeftNames;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training and evaluation half of {@code lorapar run} (after classify, score and partition, which
 * {@link Stages} gives): the starting adapter (the very init the importance was taken at, exported once; PiSSA / OLoRA
 * arms start from their own init, and their *_par variants score and partition at it), then per
 * arm its training stages in the experiment's order, each from the previous stage's adapter, with the arm's mask,
 * each checked for untouched inactive elements ({@link MaskCheck}: a violation stops the run) and evaluated; the base
 * model is evaluated once. Every step is cached by its inputs, so a rerun redoes only what changed.
 */
public final class ExperimentRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The inputs of the training half; {@code score} = the settings the importance in {@code scoreDir} was taken with. */
    public record Stages(Path s1, Path s2, Path all, Path scoreDir, Path partitionDir, ScoreRun.Settings score) {
        /** The LoRA settings of the lorapar arm (and of lora, random, sft_only). */
        public LoraConfig lora() {
            return score.lora();
        }
    }

    /** One trained stage of one arm. */
    public record StageResult(String arm, String stage, Path adapter, Path masks, MaskCheck.Result check,
                              double seconds, boolean cached, Map<String, Double> metrics) {
    }

    /** What the run produced. */
    public record Outcome(Map<String, Double> base, List<StageResult> stages, Path initAdapter) {
    }

    private final Experiment e;
    private final ArmEvaluator evaluator;
    private final Path root;
    private final PrintStream out, err;
    private final String modelSha;

    /** {@code evaluator} null = the experiment's {@code eval} section through lorapar eval. */
    public ExperimentRun(Experiment e, ArmEvaluator evaluator, PrintStream out, PrintStream err) throws IOException {
        this.e = e;
        this.root = Files.createDirectories(e.outputDir());
        this.evaluator = evaluator != null ? evaluator : new BenchmarkEvaluator(e, root, out, err);
        this.out = out;
        this.err = err;
        this.modelSha = ContentHasher.withDefaultCache().identify(e.model()).sha256(); // as ScoreRun: multi-GB models once
    }

    public Path root() {
        return root;
    }

    public String modelSha() {
        return modelSha;
    }

    /** Trains and evaluates every arm from {@code in}. */
    public Outcome train(Stages in) throws IOException {
        Path init = initAdapter(in.lora());
        Map<String, Double> base = evaluate("base", null);
        List<StageResult> results = new ArrayList<>();
        List<ImportanceScores> layout = List.of(ImportanceScores.read(ScoreRun.partitionInputs(in.scoreDir()).get(0)
                .importance(), "s1", 0));
        for (String arm : e.arms()) {
            LoraConfig armLora = armLora(arm, in.lora());
            Path current = armLora.equals(in.lora()) ? init : initAdapter(armLora);
            Path partitionDir = arm.endsWith("_par") ? partitionAt(in, armLora) : in.partitionDir();
            List<String> stages = arm.equals("sft_only") ? List.of("sft") : e.stages();
            for (int i = 0; i < stages.size(); i++) {
                String kind = stages.get(i);
                String system = kind.equals("sft") ? "s1" : "s2";
                Path masks = switch (arm) {
                    case "lorapar", "pissa_par", "olora_par" -> partitionDir.resolve("masks").resolve(system);
                    case "random" -> randomMasks(in.partitionDir().resolve("masks").resolve(system), layout.get(0),
                            e.seed() * 31 + i);
                    default -> null;
                };
                Map<String, String> section = new LinkedHashMap<>(kind.equals("sft") ? e.sft() : e.grpo());
                String dataChoice = section.remove("data");
                Path data = arm.equals("sft_only") || "all".equals(dataChoice) ? in.all()
                        : kind.equals("sft") ? in.s1() : in.s2();
                out.printf("run: arm %s, stage %d/%d: %s on %s%s%n", arm, i + 1, stages.size(), kind,
                        data.getFileName(), masks == null ? " (every element)" : " with mask " + masks);
                TrainingStage.Output o = TrainingStage.run(e, modelSha, kind, section, data, current, masks, root, out,
                        err);
                MaskCheck.Result check = MaskCheck.compare(current, o.adapter(), masks);
                if (check.violations() > 0) {
                    throw new IllegalStateException(arm + "/" + kind + ": " + check.violations() + " elements outside "
                            + "the stage's mask changed (adapter " + o.adapter() + ")");
                }
                Map<String, Double> metrics = evaluate(arm + "-" + (i + 1) + "-" + kind, o.adapter());
                results.add(new StageResult(arm, kind, o.adapter(), masks, check, o.seconds(), o.cached(), metrics));
                current = o.adapter();
            }
        }
        return new Outcome(base, results, init);
    }

    /**
     * The LoRA settings of {@code arm}: the experiment's, or for pissa* / olora* the same rank, alpha, targets and seed
     * with that init (PiSSA: the experiment's own PiSSA variant when it has one, else the exact SVD).
     */
    static LoraConfig armLora(String arm, LoraConfig lora) {
        if (arm.startsWith("pissa")) {
            return lora.withInit(lora.init() instanceof LoraInit.Pissa ? lora.init() : new LoraInit.Pissa(0));
        }
        return arm.startsWith("olora") ? lora.withInit(new LoraInit.Olora()) : lora;
    }

    /** Score (at {@code lora}'s init, otherwise as the experiment's score stage) and partition: the partition folder. */
    private Path partitionAt(Stages in, LoraConfig lora) throws IOException {
        ScoreRun.Settings s = in.score();
        StageDir score = ScoreRun.run(root, s.withLora(lora), out, err);
        return partition(score.dir()).dir();
    }

    /** The adapter at the init the importance was taken at (same LoRA settings, seed and device), as a PEFT folder. */
    Path initAdapter(LoraConfig lora) throws IOException {
        StageKey key = StageKey.of("init").fileHash("model", modelSha).setting("lora", lora).setting("device", e.device());
        StageDir stage = StageDir.of(root, key);
        Path adapter = stage.dir().resolve("adapter");
        if (!stage.complete()) {
            stage.create();
            try (Stream stream = Stream.create(RunSetup.device(e.device()));
                 Checkpoint ckpt = Checkpoints.open(e.model());
                 LlamaWeights w = LlamaWeights.upload(ckpt, stream, stream.device().isCuda()
                         ? dev.lorapar.core.DType.BF16 : dev.lorapar.core.DType.F32);
                 LoraAdapter a = LoraAdapter.create(w, lora, stream)) {
                PeftExport.write(a, stream, adapter, PeftExport.Options.of(e.model().toString()));
            }
            List<String> outputs = new ArrayList<>(List.of("adapter/" + PeftNames.CONFIG, "adapter/" + PeftNames.WEIGHTS));
            if (lora.init().residualizesBase()) outputs.add("adapter/" + PeftNames.RESIDUAL_INIT);
            stage.finish(outputs, null);
        }
        return adapter;
    }

    private Path randomMasks(Path like, ImportanceScores layout, long seed) throws IOException {
        StageKey key = StageKey.of("random-mask").file("like", like).setting("seed", seed);
        StageDir stage = StageDir.of(root, key);
        if (!stage.complete()) {
            stage.create();
            RandomMasks.writeLike(like, layout.matrices(), seed, stage.dir());
            stage.finish(List.of(PeftNames.MASKS, PeftNames.MASKS_DESCRIPTION), null);
        }
        return stage.dir();
    }

    /** The evaluator's metrics, cached by model, adapter contents and the evaluator's identity. */
    Map<String, Double> evaluate(String label, Path adapter) throws IOException {
        StageKey key = StageKey.of("eval").fileHash("model", modelSha).setting("evaluator", evaluator.identity()
                .replace('\n', ' '));
        if (adapter != null) {
            key.file("adapter", adapter);
        } else {
            key.setting("adapter", "none");
        }
        StageDir stage = StageDir.of(root, key);
        Path file = stage.dir().resolve("metrics.json");
        if (stage.complete()) {
            Map<String, Double> cached = new LinkedHashMap<>();
            JsonNode json = JSON.readTree(file.toFile());
            json.properties().forEach(p -> cached.put(p.getKey(), p.getValue().isNumber() ? p.getValue().asDouble()
                    : Double.NaN));
            return cached;
        }
        out.println("run: evaluating " + label);
        Map<String, Double> metrics = evaluator.evaluate(label, adapter);
        stage.create();
        ObjectNode json = JSON.createObjectNode();
        metrics.forEach(json::put);
        AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        stage.finish(List.of("metrics.json"), null);
        return metrics;
    }

    /** The partition stage: θ, α, β of the experiment's partition section. */
    public StageDir partition(Path scoreDir) throws IOException {
        Map<String, String> p = new LinkedHashMap<>(e.partition());
        double theta = Double.parseDouble(p.getOrDefault("theta", "0.9"));
        double[] shares = {Double.parseDouble(p.getOrDefault("alpha", "1")), Double.parseDouble(p.getOrDefault("beta", "1"))};
        p.keySet().removeAll(List.of("theta", "alpha", "beta"));
        if (!p.isEmpty()) {
            throw new IllegalArgumentException(e.file() + ": partition: unknown keys " + p.keySet() + " (theta, alpha, beta)");
        }
        return PartitionRun.run(root, ScoreRun.partitionInputs(scoreDir), theta, shares, RunSetup.device(e.device()),
                false, out);
    }
}

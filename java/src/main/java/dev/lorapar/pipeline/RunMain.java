package dev.lorapar.pipeline;

import dev.lorapar.core.DeviceOutOfMemoryException;
import dev.lorapar.pipeline.classify.ClassifyRun;
import dev.lorapar.pipeline.experiment.ArmEvaluator;
import dev.lorapar.pipeline.experiment.Experiment;
import dev.lorapar.pipeline.experiment.ExperimentReport;
import dev.lorapar.pipeline.experiment.ExperimentRun;
import dev.lorapar.pipeline.experiment.StageFailedException;
import dev.lorapar.pipeline.score.ScoreRun;
import dev.lorapar.pipeline.stage.StageDir;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code lorapar run experiment.yaml [--baselines]}: every stage of the method from one file ({@link Experiment}) — classify (unless
 * the data is already split), score, partition, the arms' training stages with a mask check after each, evaluation,
 * and the report in {@code output_dir/report}; {@code --baselines} adds every baseline arm ({@link Experiment#withBaselines}). Each stage is cached by its inputs: a rerun skips what is done, and a
 * changed θ re-runs the partition and what follows only. Exit status 0 done, 2 bad settings, 3/4 as the training
 * commands (non-finite loss / out of memory), 1 anything else.
 */
public final class RunMain {
    private RunMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean help = args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"));
        boolean baselines = args.length == 2 && args[1].equals("--baselines");
        if (help || !(args.length == 1 || baselines) || args[0].startsWith("-")) {
            (help ? out : err).print("usage: lorapar run experiment.yaml [--baselines]\n"
                    + "  --baselines  also run every baseline arm " + Experiment.BASELINES + "\n"
                    + "(the file's layout: README, section 'lorapar run')\n");
            return help ? 0 : 2;
        }
        try {
            Experiment e = Experiment.read(Path.of(args[0]));
            if (baselines) e = e.withBaselines();
            Path report = run(e, null, null, out, err);
            out.println("lorapar run: report in " + report);
            return 0;
        } catch (StageFailedException e) {
            err.println("lorapar run: " + e.getMessage());
            return e.status() == 2 ? 2 : e.status() >= 3 ? e.status() : 1;
        } catch (DeviceOutOfMemoryException e) {
            err.println("lorapar run: out of device memory: " + e.getMessage());
            return 4;
        } catch (IllegalArgumentException e) {
            err.println("lorapar run: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("lorapar run: failed: " + e);
            return 1;
        }
    }

    /**
     * Runs experiment {@code e}; {@code evaluator} null = its {@code eval} section through lorapar eval; {@code note}
     * (nullable) heads the report. Returns the report's Markdown file.
     */
    public static Path run(Experiment e, ArmEvaluator evaluator, String note, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        ExperimentRun run = new ExperimentRun(e, evaluator, out, err);
        Path root = run.root();
        Path s1 = e.s1Data(), s2 = e.s2Data(), agreement = null;
        if (s1 == null) {
            CommandFlags f = ClassifyMain.flags().parse(args(e.classify(), Map.of("data", e.trainData().toString(),
                    "output_dir", root.toString()), "classify"));
            ClassifyRun.Outcome c = ClassifyRun.run(root, ClassifyMain.settings(f), out, err);
            s1 = c.stage().dir().resolve(ClassifyRun.S1);
            s2 = c.stage().dir().resolve(ClassifyRun.S2);
            agreement = c.stage().dir().resolve(ClassifyRun.STATS);
        }
        Path all = e.trainData() != null ? e.trainData() : concatenated(root, s1, s2);
        Map<String, String> scoreFixed = new LinkedHashMap<>();
        scoreFixed.put("model", e.model().toString());
        if (e.tokenizer() != null) scoreFixed.put("tokenizer", e.tokenizer().toString());
        scoreFixed.put("data", "s1=" + s1 + ",s2=" + s2);
        scoreFixed.put("seed", Long.toString(e.seed()));
        scoreFixed.put("device", e.device());
        scoreFixed.put("output_dir", root.toString());
        Map<String, String> scoreSection = new LinkedHashMap<>(e.lora());
        scoreSection.putAll(e.score());
        ScoreRun.Settings scoreSettings = ScoreMain.settings(ScoreMain.flags().parse(args(scoreSection, scoreFixed,
                "score")));
        StageDir score = ScoreRun.run(root, scoreSettings, out, err);
        StageDir partition = run.partition(score.dir());
        ExperimentRun.Outcome o = run.train(new ExperimentRun.Stages(s1, s2, all, score.dir(), partition.dir(),
                scoreSettings));
        return ExperimentReport.write(root.resolve("report"), e, new ExperimentReport.Context(agreement, partition.dir(),
                note), o);
    }

    private static String[] args(Map<String, String> section, Map<String, String> fixed, String name) {
        return Experiment.args(section, fixed, name).toArray(String[]::new);
    }

    /** S1 then S2 records in one file (the "all data" of the sft_only arm and of grpo data: all). */
    private static Path concatenated(Path root, Path s1, Path s2) throws IOException {
        Path all = root.resolve("data-all.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(s1));
        lines.addAll(Files.readAllLines(s2));
        dev.lorapar.train.export.AtomicFiles.writeString(all, String.join("\n", lines) + "\n");
        return all;
    }
}

package dev.lorapar.pipeline.experiment;

import dev.lorapar.eval.EvalMain;
import dev.lorapar.eval.report.BenchmarkResult;
import dev.lorapar.eval.report.EvalRun;
import dev.lorapar.eval.report.EvalRunJson;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The experiment's {@code eval} section through {@code lorapar eval}: each call writes its run file under
 * {@code root/eval-runs/<label>} and returns every benchmark's metrics ("gsm8k accuracy", "humaneval pass@1", …).
 */
final class BenchmarkEvaluator implements ArmEvaluator {
    private final Experiment experiment;
    private final Path root;
    private final PrintStream out, err;

    BenchmarkEvaluator(Experiment experiment, Path root, PrintStream out, PrintStream err) {
        this.experiment = experiment;
        this.root = root;
        this.out = out;
        this.err = err;
    }

    @Override
    public Map<String, Double> evaluate(String label, Path adapter) throws IOException {
        Path dir = root.resolve("eval-runs").resolve(label.replaceAll("[^A-Za-z0-9_.-]+", "-"));
        Files.createDirectories(dir);
        Map<String, String> fixed = new LinkedHashMap<>();
        fixed.put("model", experiment.model().toString());
        fixed.put("tokenizer", experiment.tokenizer() == null ? null : experiment.tokenizer().toString());
        fixed.put("adapter", adapter == null ? null : adapter.toString());
        fixed.put("device", experiment.device());
        fixed.put("output_dir", dir.toString());
        String[] args = Experiment.args(experiment.eval(), fixed, "eval").toArray(String[]::new);
        int status = EvalMain.run(args, out, err);
        if (status != 0) {
            throw new StageFailedException("lorapar eval (" + label + ") exited with status " + status, status);
        }
        Path newest;
        try (Stream<Path> files = Files.list(dir)) {
            newest = files.filter(p -> p.getFileName().toString().matches("eval-.*\\.json"))
                    .max(Path::compareTo).orElseThrow(() -> new IOException("lorapar eval wrote no run file in " + dir));
        }
        EvalRun run = EvalRunJson.read(newest);
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (BenchmarkResult b : run.benchmarks()) {
            b.summary().metrics().forEach((k, v) -> metrics.put(b.name() + " " + k, v));
            b.summary().passAtK().forEach((k, v) -> metrics.put(b.name() + " pass@" + k, v));
        }
        return metrics;
    }

    @Override
    public String identity() {
        return "lorapar eval " + new TreeMap<>(experiment.eval()) + " device=" + experiment.device()
                + (experiment.tokenizer() == null ? "" : " tokenizer=" + experiment.tokenizer());
    }
}

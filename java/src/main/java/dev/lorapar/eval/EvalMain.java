package dev.lorapar.eval;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.eval.bench.Benchmark;
import dev.lorapar.eval.bench.EvalItem;
import dev.lorapar.eval.bench.FewShot;
import dev.lorapar.eval.bench.GenerationTemplate;
import dev.lorapar.eval.report.ArtifactIdentity;
import dev.lorapar.eval.report.ContentHasher;
import dev.lorapar.eval.report.EvalCompare;
import dev.lorapar.eval.report.EvalRunJson;
import dev.lorapar.eval.report.EvalRunWriter;
import dev.lorapar.eval.report.MarkdownReport;
import dev.lorapar.eval.report.RunInfo;
import dev.lorapar.eval.sandbox.HumanEvalLoader;
import dev.lorapar.eval.sandbox.HumanEvalProblem;
import dev.lorapar.eval.sandbox.Sandbox;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.SequenceScorer;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftImport;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.report.ProgressReporter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code lorapar eval}: a base model, or base + PEFT adapter, on benchmarks; writes {@code eval-<time>.json} (every
 * item) and a Markdown table to the output folder. {@code --compare a.json b.json …} compares runs instead.
 * <pre>
 * --model PATH [--tokenizer FILE] [--adapter PEFT_DIR] --benchmarks gsm8k,mmlu,arc_easy,humaneval,…
 * --data_dir DIR (the shared/data layout) or --file_KEY PATH per benchmark; [--limit N] [--shots K]
 * [--max_new_tokens 256] [--batch_size 16] [--max_prompt_tokens 1536] [--device auto] [--output_dir runs/eval] [--seed 1]
 * </pre>
 * Exit status 0 done, 2 bad arguments or data, 1 anything else.
 */
public final class EvalMain {
    private static final List<String> KEYS = List.of("model", "tokenizer", "adapter", "benchmarks", "data_dir", "limit",
            "shots", "max_new_tokens", "batch_size", "max_prompt_tokens", "device", "output_dir", "seed", "humaneval_samples",
            "humaneval_temperature", "humaneval_top_p", "humaneval_k");

    private EvalMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("--compare")) {
            return EvalCompare.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        Map<String, String> o = new LinkedHashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --key value, got '" + args[i] + "'");
                }
                String key = args[i].substring(2).replace('-', '_');
                if (!KEYS.contains(key) && !key.startsWith("file_")) {
                    throw new IllegalArgumentException("unknown option --" + key + "; known: " + KEYS + ", file_<benchmark>");
                }
                o.put(key, args[++i]);
            }
            for (String required : List.of("model", "benchmarks")) {
                if (!o.containsKey(required)) {
                    throw new IllegalArgumentException("--" + required + " is required");
                }
            }
            return evaluate(o, out, err);
        } catch (IllegalArgumentException e) {
            err.println("lorapar eval: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("lorapar eval: failed: " + e);
            return 1;
        }
    }

    private static int evaluate(Map<String, String> o, PrintStream out, PrintStream err) throws Exception {
        Path model = Path.of(o.get("model"));
        Path outDir = Path.of(o.getOrDefault("output_dir", "runs/eval"));
        Files.createDirectories(outDir);
        Device device = RunSetup.device(o.getOrDefault("device", "auto"));
        int limit = Integer.parseInt(o.getOrDefault("limit", "0")), batch = Integer.parseInt(o.getOrDefault("batch_size", "16"));
        int maxNew = Integer.parseInt(o.getOrDefault("max_new_tokens", "256"));
        int maxPrompt = Integer.parseInt(o.getOrDefault("max_prompt_tokens", "1536"));
        long seed = Long.parseLong(o.getOrDefault("seed", "1"));
        HumanEvalRunner.SamplingPlan humanEvalPlan = humanEvalPlan(o, seed);
        List<Benchmark> benchmarks = new ArrayList<>();
        boolean humanEval = false;
        for (String k : o.get("benchmarks").split(",")) {
            if (k.trim().equals("humaneval")) {
                humanEval = true;
            } else {
                benchmarks.add(Benchmark.byKey(k.trim()));
            }
        }
        Tokenizer tokenizer = o.containsKey("tokenizer") ? Tokenizers.open(Path.of(o.get("tokenizer")))
                : Tokenizers.nextTo(model);
        ContentHasher hasher = new ContentHasher(null);
        ArtifactIdentity modelId = hasher.identify(model);
        ArtifactIdentity adapterId = o.containsKey("adapter") ? hasher.identify(Path.of(o.get("adapter"))) : null;
        Instant started = Instant.now();
        Path runFile = outDir.resolve("eval-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC)
                .format(started) + ".json");
        try (Stream stream = Stream.create(device); Checkpoint ckpt = Checkpoints.open(model);
             LlamaWeights weights = LlamaWeights.upload(ckpt, stream, device.isCuda() ? DType.BF16 : DType.F32);
             ImportedAdapter imported = o.containsKey("adapter")
                     ? PeftImport.read(Path.of(o.get("adapter")), weights, stream) : null;
             LlamaGenerator generator = LlamaGenerator.create(weights, stream,
                     LlamaGenerator.Options.of(batch, Math.min(ckpt.config().maxSeqLen(), maxPrompt + maxNew)), tokenizer);
             SequenceScorer scorer = new SequenceScorer(weights, stream, Math.max(4096, maxPrompt * 4));
             EvalRunWriter writer = EvalRunWriter.create(runFile, new RunInfo(started, device.toString(),
                     new LinkedHashMap<>(o), modelId, adapterId))) {
            BenchmarkRunner runner = new BenchmarkRunner(tokenizer, generator, scorer,
                    imported == null ? null : imported.adapter(), batch, maxNew, maxPrompt);
            for (Benchmark b : benchmarks) {
                Path file = o.containsKey("file_" + b.key()) ? Path.of(o.get("file_" + b.key()))
                        : b.defaultFile(Path.of(require(o, "data_dir", b.key())));
                List<EvalItem> items = b.load(file);
                if (limit > 0 && items.size() > limit) {
                    items = items.subList(0, limit);
                }
                Function<EvalItem, List<EvalItem>> shots = fewShot(b, o, seed);
                writer.beginBenchmark(b.key(), "accuracy");
                try (ProgressReporter bar = ProgressReporter.builder(b.key(), items.size()).out(err).build()) {
                    runner.run(items, shots, GenerationTemplate.QUESTION_ANSWER, r -> {
                        try {
                            writer.item(r);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }, bar::update);
                }
                var summary = writer.endBenchmark();
                out.printf("%s: accuracy %.4f over %d items%n", b.key(), summary.metrics().get("accuracy"), items.size());
            }
            if (humanEval) {
                Path file = o.containsKey("file_humaneval") ? Path.of(o.get("file_humaneval"))
                        : Path.of(require(o, "data_dir", "humaneval")).resolve("humaneval/HumanEval.jsonl.gz");
                List<HumanEvalProblem> problems = HumanEvalLoader.load(file);
                if (limit > 0 && problems.size() > limit) {
                    problems = problems.subList(0, limit);
                }
                writer.beginBenchmark("humaneval", "pass@1");
                HumanEvalRunner he = new HumanEvalRunner(tokenizer, generator, imported == null ? null
                        : imported.adapter(), batch, maxNew, maxPrompt, humanEvalPlan);
                try (ProgressReporter bar = ProgressReporter.builder("humaneval", problems.size()).out(err).build()) {
                    he.run(problems, r -> {
                        try {
                            writer.item(r);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }, bar::update);
                }
                var summary = writer.endBenchmark();
                out.printf("humaneval: pass@1 %.4f%s over %d problems, %d sample(s) each (sandbox: %s)%n",
                        summary.metrics().get("pass@1"), passAtKText(summary.passAtK()), problems.size(),
                        humanEvalPlan.samples(), Sandbox.shared().isolation().describe());
            }
            writer.finish(Instant.now());
        }
        MarkdownReport.write(EvalRunJson.read(runFile), Path.of(runFile.toString().replaceAll("\\.json$", ".md")));
        out.println("lorapar eval: wrote " + runFile);
        return 0;
    }

    /** --humaneval_samples n (1 = greedy), --humaneval_temperature (0.8), --humaneval_top_p (0.95), --humaneval_k 1,10. */
    private static HumanEvalRunner.SamplingPlan humanEvalPlan(Map<String, String> o, long seed) {
        int n = Integer.parseInt(o.getOrDefault("humaneval_samples", "1"));
        if (n == 1) {
            return HumanEvalRunner.SamplingPlan.greedy();
        }
        int[] ks = Arrays.stream(o.getOrDefault("humaneval_k", n >= 10 ? "1,10" : "1").split(","))
                .mapToInt(k -> Integer.parseInt(k.trim())).toArray();
        return new HumanEvalRunner.SamplingPlan(n, Float.parseFloat(o.getOrDefault("humaneval_temperature", "0.8")),
                Float.parseFloat(o.getOrDefault("humaneval_top_p", "0.95")), seed, ks);
    }

    private static String passAtKText(Map<Integer, Double> passAtK) {
        StringBuilder s = new StringBuilder();
        passAtK.forEach((k, v) -> s.append(String.format(", pass@%d %.4f", k, v)));
        return s.toString();
    }

    private static String require(Map<String, String> o, String key, String benchmark) {
        String v = o.get(key);
        if (v == null) {
            throw new IllegalArgumentException("give --data_dir (the shared/data layout) or --file_" + benchmark);
        }
        return v;
    }

    /** MMLU: the first k dev items of the subject; GSM8K: k seeded train items; else zero-shot. */
    private static Function<EvalItem, List<EvalItem>> fewShot(Benchmark b, Map<String, String> o, long seed) {
        int k = Integer.parseInt(o.getOrDefault("shots", b == Benchmark.MMLU ? "5" : "0"));
        if (k == 0 || !o.containsKey("data_dir")) {
            return item -> List.of();
        }
        Path data = Path.of(o.get("data_dir"));
        if (b == Benchmark.MMLU) {
            List<EvalItem> devItems = Benchmark.MMLU.load(data.resolve("mmlu/dev"));
            return item -> FewShot.firstOfSubject(devItems, item, k);
        }
        if (b == Benchmark.GSM8K) {
            List<EvalItem> train = Benchmark.GSM8K.load(data.resolve("gsm8k/train.jsonl"));
            return item -> FewShot.sample(train, item, k, seed);
        }
        return item -> List.of();
    }
}

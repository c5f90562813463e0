package dev.lorapar.bench.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.pipeline.classify.ClassifyRun;
import dev.lorapar.pipeline.classify.Label;
import dev.lorapar.pipeline.classify.TeacherConfigs;
import dev.lorapar.serve.EngineOptions;
import dev.lorapar.serve.OpenAiServer;
import dev.lorapar.serve.ServeOptions;
import dev.lorapar.serve.ServingEngine;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.report.ProgressReporter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Classification throughput with local teachers (issue 8): {@code lorapar classify} with three role-play teachers, all
 * served over loopback HTTP by one in-process {@code lorapar serve} of a LLaMA-2-7B-shaped model with random bf16 weights
 * (continuous batching: the teachers' concurrent calls share its decode batch), on real question/answer items. Random
 * weights answer no label, so every call is retried once and abstains: twice the calls of a teacher that answers,
 * the worst case. Prints items/s and calls/s.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.lorapar.bench.gpu.ClassifyBench \
 *      --data gsm8k/test.jsonl --tokenizer tokenizer.model [--items 256] [--concurrency 16] [--layers 32] [--smoke]
 * </pre>
 */
public final class ClassifyBench {
    private ClassifyBench() {
    }

    public static void main(String[] args) throws Exception {
        Path data = null, tokenizerFile = null;
        int items = 256, concurrency = 16, layers = 32;
        boolean smoke = false;
        Device device = Device.cuda(0);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--tokenizer" -> tokenizerFile = Path.of(args[++i]);
                case "--items" -> items = Integer.parseInt(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--device" -> device = Device.parse(args[++i]);
                case "--smoke" -> smoke = true;
                default -> throw new IllegalArgumentException("ClassifyBench: unknown argument " + args[i]);
            }
        }
        if (data == null || (tokenizerFile == null && !smoke)) {
            throw new IllegalArgumentException("ClassifyBench: give --data items.jsonl and --tokenizer tokenizer.model");
        }
        run(data, tokenizerFile, items, concurrency, layers, smoke, device, System.out);
    }

    static void run(Path data, Path tokenizerFile, int items, int concurrency, int layers, boolean smoke, Device device,
                    PrintStream out) throws Exception {
        // the smoke run without a tokenizer file: ServeBench's made-up byte-level vocabulary (any text encodes)
        Tokenizer tokenizer = tokenizerFile != null ? Tokenizers.open(tokenizerFile) : ServeBench.syntheticTokenizer(512);
        LlamaConfig c = smoke
                ? new LlamaConfig(64, 172, 2, 4, 2, tokenizer.vocabSize(), 2048, 1e-5, 10000, false, RopeStyle.ROTATE_HALF)
                : new LlamaConfig(4096, 11008, layers, 32, 32, tokenizer.vocabSize(), 4096, 1e-5, 10000, false,
                        RopeStyle.ROTATE_HALF);
        if (smoke) device = Device.CPU;
        DType dt = device.isCuda() ? DType.BF16 : DType.F32;
        Path dir = Files.createTempDirectory("classify-bench");
        EngineOptions eo = new EngineOptions(smoke ? 8 : 64, 1024, 4096, true);
        try (Stream stream = Stream.create(device);
             LlamaWeights w = LlamaWeights.randomForBenchmark(c, stream, dt, 7);
             ServingEngine engine = ServingEngine.of("teacher", w, tokenizer, eo);
             OpenAiServer server = OpenAiServer.start(engine, ServeOptions.loopback(0, eo))) {
            ArrayNode teachers = new ObjectMapper().createArrayNode();
            for (String name : new String[] {"t1", "t2", "t3"}) {
                teachers.addObject().put("name", name).put("type", "openai").put("base_url", server.baseUrl() + "/v1")
                        .put("model", "teacher").put("concurrency", concurrency).put("timeout_s", 600).put("retries", 0)
                        .put("max_tokens", 8);
            }
            Path teachersFile = Files.writeString(dir.resolve("teachers.json"), teachers.toString());
            ClassifyRun.Settings s = new ClassifyRun.Settings(data, TeacherConfigs.read(teachersFile, true,
                    "LLaMA-2 7B"), Label.of("System2"), false, items, dir.resolve("journal.jsonl"), true,
                    ProgressReporter.Mode.parse("plain"));
            long t0 = System.nanoTime();
            ClassifyRun.Outcome o = ClassifyRun.run(dir.resolve("runs"), s, out, out);
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.println();
            out.printf(Locale.ROOT, "%-36s %7s %7s %9s %9s %9s%n", "classify (3 teachers, 1 lorapar serve)", "items",
                    "calls", "seconds", "items/s", "calls/s");
            out.printf(Locale.ROOT, "%-36s %7d %7d %9.1f %9.2f %9.2f%n", (smoke ? "tiny model, CPU" : c.nLayers()
                    + "-layer 7B shape, " + device) + ", conc " + concurrency, o.items(), o.callsMade(), seconds,
                    o.items() / seconds, o.callsMade() / seconds);
        }
    }
}

package dev.lorapar.bench.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.eval.BenchmarkRunner;
import dev.lorapar.eval.bench.Benchmark;
import dev.lorapar.eval.bench.EvalItem;
import dev.lorapar.eval.bench.GenerationTemplate;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.model.SequenceScorer;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * GSM8K evaluation throughput (issue 7): the real test questions through lorapar eval's own runner (zero-shot
 * question/answer prompt with the LLaMA-2 tokenizer, greedy, up to 256 new tokens, stop strings and EOS) on a
 * LLaMA-2-7B-shaped model with random bf16 weights and a LoRA adapter (r 8, α 64, QKVGUD). Random weights seldom
 * stop early, so nearly every item runs its full 256 tokens: the worst case of a real model. Prints, per batch size,
 * the wall time, generated tokens/s and the time projected for all 1,319 items.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.lorapar.bench.gpu.EvalBench \
 *      --gsm8k data/gsm8k/test.jsonl --tokenizer data/llama2-tokenizer/tokenizer.model \
 *      [--limit 1319] [--batches 64,128] [--max-new 256] [--layers 32] [--device cuda:0]
 * </pre>
 */
public final class EvalBench {
    private EvalBench() {
    }

    public static void main(String[] args) {
        Path gsm8k = null, tokenizerFile = null;
        int limit = 1319, maxNew = 256, layers = 32;
        int[] batches = {64, 128};
        Device device = Device.cuda(0);
        boolean smoke = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--gsm8k" -> gsm8k = Path.of(args[++i]);
                case "--tokenizer" -> tokenizerFile = Path.of(args[++i]);
                case "--limit" -> limit = Integer.parseInt(args[++i]);
                case "--max-new" -> maxNew = Integer.parseInt(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--batches" -> batches = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--device" -> device = Device.parse(args[++i]);
                case "--smoke" -> smoke = true;
                default -> throw new IllegalArgumentException("EvalBench: unknown argument " + args[i]);
            }
        }
        if (gsm8k == null || tokenizerFile == null) {
            throw new IllegalArgumentException("EvalBench: give --gsm8k test.jsonl and --tokenizer tokenizer.model");
        }
        LlamaConfig c = smoke
                ? new LlamaConfig(64, 172, 2, 4, 2, 32000, 1024, 1e-5, 10000, false, RopeStyle.ROTATE_HALF)
                : new LlamaConfig(4096, 11008, layers, 32, 32, 32000, 4096, 1e-5, 10000, false, RopeStyle.ROTATE_HALF);
        DType dt = device.isCuda() ? DType.BF16 : DType.F32;
        Tokenizer tokenizer = Tokenizers.open(tokenizerFile);
        List<EvalItem> items = Benchmark.GSM8K.load(gsm8k);
        items = items.subList(0, Math.min(limit, items.size()));
        List<String> table = new ArrayList<>();
        table.add(String.format("%-34s %6s %9s %11s %10s %12s", "GSM8K eval (7B shape, LoRA r8)", "batch", "wall s",
                "new tokens", "tokens/s", "1319 items s"));
        try (Stream stream = Stream.create(device);
             LlamaWeights w = LlamaWeights.randomForBenchmark(c, stream, dt, 7);
             LoraAdapter adapter = LoraAdapter.create(w, new LoraConfig(8, 64, EnumSet.of(LoraTarget.Q, LoraTarget.K,
                     LoraTarget.V, LoraTarget.GATE, LoraTarget.UP, LoraTarget.DOWN), new LoraInit.Gaussian(0.01), 11), stream)) {
            for (int batch : batches) {
                int maxPrompt = 512;
                try (LlamaGenerator generator = LlamaGenerator.create(w, stream,
                        LlamaGenerator.Options.of(batch, maxPrompt + maxNew), tokenizer);
                     SequenceScorer scorer = new SequenceScorer(w, stream, 4096)) {
                    BenchmarkRunner runner = new BenchmarkRunner(tokenizer, generator, scorer, adapter, batch, maxNew,
                            maxPrompt);
                    AtomicLong generated = new AtomicLong();
                    long t0 = System.nanoTime();
                    runner.run(items, item -> List.of(), GenerationTemplate.QUESTION_ANSWER,
                            r -> generated.addAndGet(r.generatedTokens()), done -> { });
                    double s = (System.nanoTime() - t0) / 1e9;
                    table.add(String.format("%-34s %6d %9.1f %11d %10.0f %12.0f", items.size() + " items", batch, s,
                            generated.get(), generated.get() / s, s * 1319 / items.size()));
                    System.out.println("EvalBench: " + table.get(table.size() - 1).strip());
                }
            }
        }
        System.out.println();
        table.forEach(System.out::println);
    }
}

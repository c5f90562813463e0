package dev.lorapar.bench.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.model.ContinuousDecoder;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.serve.EngineOptions;
import dev.lorapar.serve.OpenAiServer;
import dev.lorapar.serve.ServeOptions;
import dev.lorapar.serve.ServingEngine;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * lorapar serve under load: the server in-process on a LLaMA-2-7B-shaped random bf16 model (CUDA 0), a bounded
 * load generator on loopback (1, 16, 64 concurrent streaming clients, each sending its requests one after another:
 * prompts of 128 random token ids, 128 new tokens, greedy), with the base model and with a rank-16 all-projection
 * adapter: output tokens/s and p50 / p99 time to first token. Then batch-64 decode through ContinuousDecoder alone
 * against the weight-bandwidth bound (weight bytes per step at 4.2 TB/s, as ModelBench). {@code --smoke}: a tiny
 * model on the CPU. Options: --layers N (32), --requests_per_client N (3), --tokenizer PATH (default: a synthetic
 * vocabulary of the model's size; prompts are token ids, so the tokenizer only turns generated ids into text).
 */
public final class ServeBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeBench() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the benchmark; 0 on success, 2 for bad arguments, 1 when a run failed. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--smoke")) continue;
                if (!Set.of("--layers", "--requests_per_client", "--tokenizer").contains(args[i])) {
                    throw new IllegalArgumentException("unknown argument '" + args[i] + "' (known: --smoke, "
                            + "--layers N, --requests_per_client N, --tokenizer PATH)");
                }
                if (++i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
            }
            intArg(args, "--layers", 32);
            intArg(args, "--requests_per_client", 1);
        } catch (IllegalArgumentException e) {
            err.println("ServeBench: " + e.getMessage());
            return 2;
        }
        try {
            bench(args, out);
            return 0;
        } catch (Exception e) {
            err.println("ServeBench: failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static void bench(String[] args, PrintStream out) throws Exception {
        boolean smoke = Arrays.asList(args).contains("--smoke");
        int layers = intArg(args, "--layers", 32);
        int perClient = intArg(args, "--requests_per_client", smoke ? 1 : 3);
        String tokPath = strArg(args, "--tokenizer", null);
        Device device = smoke ? Device.CPU : Device.cuda(0);
        DType dt = smoke ? DType.F32 : DType.BF16;
        LlamaConfig c = smoke ? new LlamaConfig(64, 160, 2, 4, 4, 512, 512, 1e-5, 10000, false, RopeStyle.ROTATE_HALF)
                : new LlamaConfig(4096, 11008, layers, 32, 32, 32000, 4096, 1e-5, 10000, false, RopeStyle.ROTATE_HALF);
        int promptTokens = smoke ? 16 : 128, newTokens = smoke ? 8 : 128;
        int[] concurrency = smoke ? new int[] {1, 4} : new int[] {1, 16, 64};
        Tokenizer tok = tokPath != null ? Tokenizers.open(Path.of(tokPath)) : syntheticTokenizer(c.vocabSize());
        out.println("ServeBench: " + (smoke ? "smoke (CPU, tiny model)" : "LLaMA-2-7B shape, " + layers
                + " layers, bf16 on " + device));
        try (Stream stream = Stream.create(device);
             LlamaWeights w = LlamaWeights.randomForBenchmark(c, stream, dt, 7);
             LoraAdapter adapter = LoraAdapter.create(w, LoraConfig.allProjections(16, 32, 42), stream)) {
            stream.synchronize();
            double weightBytes = 0;
            for (var l : w.layers()) {
                for (var t : dev.lorapar.model.LoraTarget.values()) weightBytes += l.projection(t).byteSize();
            }
            weightBytes += w.lmHead().byteSize();
            EngineOptions eo = new EngineOptions(64, promptTokens + newTokens + 8, 1024, true);
            try (ServingEngine engine = ServingEngine.of("bench", w, tok, eo);
                 OpenAiServer server = OpenAiServer.start(engine, ServeOptions.loopback(0, eo))) {
                engine.addAdapter("lora16", adapter);
                out.printf("%-14s %7s %10s %12s %12s %10s%n", "model", "clients", "requests", "out tok/s",
                        "TTFT p50 ms", "p99 ms");
                for (String model : new String[] {"bench", "bench:lora16"}) {
                    load(out, server, model, 1, 1, promptTokens, newTokens, c.vocabSize(), false); // warm-up
                    for (int clients : concurrency) {
                        load(out, server, model, clients, perClient, promptTokens, newTokens, c.vocabSize(), true);
                    }
                }
            }
            decodeBound(out, w, stream, c, adapter, weightBytes, smoke ? 4 : 64, promptTokens, newTokens);
            if (!smoke) { // a short context, where the weights are most of what a step reads
                decodeBound(out, w, stream, c, adapter, weightBytes, 64, 16, 64);
            }
        }
    }

    /** clients virtual threads, each streaming perClient requests in turn; prints tokens/s and TTFT percentiles. */
    private static void load(PrintStream out, OpenAiServer server, String model, int clients, int perClient,
                             int promptTokens, int newTokens, int vocab, boolean print) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Double> ttft = Collections.synchronizedList(new ArrayList<>());
        AtomicLong tokens = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < clients; t++) {
            SplittableRandom random = new SplittableRandom(1000 + t);
            threads.add(Thread.ofVirtual().start(() -> {
                for (int r = 0; r < perClient; r++) {
                    StringBuilder ids = new StringBuilder("1");
                    for (int i = 1; i < promptTokens; i++) ids.append(',').append(3 + random.nextInt(vocab - 3));
                    String body = "{\"model\":\"" + model + "\",\"prompt\":[" + ids + "],\"max_tokens\":" + newTokens
                            + ",\"temperature\":0,\"stream\":true}";
                    try {
                        stream(http, server.baseUrl(), body, ttft, tokens);
                    } catch (Exception e) {
                        throw new IllegalStateException("request failed: " + e, e);
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (print) {
            List<Double> sorted = new ArrayList<>(ttft);
            Collections.sort(sorted);
            out.printf("%-14s %7d %10d %12.1f %12.1f %10.1f%n", model, clients, clients * perClient,
                    tokens.get() / seconds, pct(sorted, 0.5), pct(sorted, 0.99));
        }
    }

    private static void stream(HttpClient http, String base, String body, List<Double> ttft, AtomicLong tokens)
            throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long t0 = System.nanoTime();
        HttpResponse<java.io.InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        if (resp.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + resp.statusCode() + ": " + new String(resp.body().readAllBytes(),
                    StandardCharsets.UTF_8));
        }
        boolean first = true;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                if (first) {
                    ttft.add((System.nanoTime() - t0) / 1e6);
                    first = false;
                }
                JsonNode j = JSON.readTree(line.substring(6));
                if (j.has("usage")) tokens.addAndGet(j.get("usage").get("completion_tokens").asLong());
            }
        }
    }

    /**
     * batch sequences decoded together through ContinuousDecoder (no HTTP): ms/step and % of the weight-bandwidth bound;
     * also the KV cache the timed steps read (batch × mean positions × layers × 2 × kvDim × 2 bytes) and the bound of
     * weights + KV cache at the same 4.2 TB/s.
     */
    private static void decodeBound(PrintStream out, LlamaWeights w, Stream stream, LlamaConfig c, LoraAdapter adapter,
                                    double weightBytes, int batch, int promptTokens, int newTokens) {
        SplittableRandom random = new SplittableRandom(5);
        try (ContinuousDecoder d = ContinuousDecoder.create(w, stream, ContinuousDecoder.Options.of(batch,
                promptTokens + newTokens + 8), null)) {
            for (LoraAdapter a : new LoraAdapter[] {null, adapter}) {
                List<GenerationRequest> reqs = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    int[] p = new int[promptTokens];
                    for (int i = 0; i < p.length; i++) p[i] = random.nextInt(c.vocabSize());
                    reqs.add(GenerationRequest.greedy(p, newTokens));
                }
                d.join(reqs, a, false);
                d.step(a); // eager run + graph capture
                d.step(a);
                int steps = newTokens - 4;
                long t = System.nanoTime();
                for (int s = 0; s < steps; s++) d.step(a);
                double stepMs = (System.nanoTime() - t) / 1e6 / steps;
                double boundMs = weightBytes / 4.2e12 * 1e3;
                double meanPositions = promptTokens + 2 + (steps - 1) / 2.0 + 1; // keys attended, mean over timed steps
                double kvBytes = batch * meanPositions * c.nLayers() * 2.0 * c.kvDim() * 2;
                double withKvMs = (weightBytes + kvBytes) / 4.2e12 * 1e3;
                for (var s : d.running()) d.leave(s);
                out.printf("decode batch %d %s (prompt %d, ~%.0f positions): %.3f ms/step, %.0f tokens/s, "
                        + "weight-bandwidth bound %.4f ms/step (%.1f%% of it); + KV cache %.2f GB: %.4f ms (%.1f%%)%n",
                        batch, a == null ? "base" : "adapter", promptTokens, meanPositions, stepMs,
                        batch * 1e3 / stepMs, boundMs, 100 * boundMs / stepMs, kvBytes / 1e9, withKvMs,
                        100 * withKvMs / stepMs);
            }
        }
    }

    /**
     * A llama2.c tokenizer of {@code vocab} pieces made up here (unk, BOS, EOS, the 256 byte tokens, then
     * " t&lt;id&gt;"):
     * the prompts are token ids, so only decoding generated ids to text needs it.
     */
    static Tokenizer syntheticTokenizer(int vocab) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bytes.write(head.putInt(16).array());
        for (int id = 0; id < vocab; id++) {
            String piece = id == 0 ? "<unk>" : id == 1 ? "\n<s>\n" : id == 2 ? "\n</s>\n"
                    : id < 259 ? String.format("<0x%02X>", id - 3) : " t" + id;
            byte[] b = piece.getBytes(StandardCharsets.UTF_8);
            java.nio.ByteBuffer rec = java.nio.ByteBuffer.allocate(8 + b.length)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bytes.write(rec.putFloat(0f).putInt(b.length).put(b).array());
        }
        Path file = java.nio.file.Files.createTempFile("serve-bench-tokenizer", ".bin");
        try {
            java.nio.file.Files.write(file, bytes.toByteArray());
            return dev.lorapar.tokenizer.Llama2cTokenizerLoader.load(file, vocab);
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    private static double pct(List<Double> sorted, double q) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size())
                - 1));
    }

    private static int intArg(String[] args, String key, int dflt) {
        String v = strArg(args, key, null);
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " takes an integer, got '" + v + "'");
        }
    }

    private static String strArg(String[] args, String key, String dflt) {
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals(key)) return args[i + 1];
        return dflt;
    }
}

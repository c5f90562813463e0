package dev.lorapar.tests.gpu;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaForward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Numerics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Hugging Face parity: random-weight LlamaForCausalLM models made and saved by transformers
 * ({@code tests/gpu/hf_make_reference.py}: a GQA model with an untied LM head saved fp32 in several shards, an
 * MHA model with tied embeddings saved bf16 in one file) load through {@link Checkpoints#open} and give, in F32,
 * transformers' fp32 logits at every prompt position within 1e-4 relative L2 error and the same 24-token greedy
 * continuation (recomputing the whole forward each step: there is no KV cache yet) — on the CPU, and on the GPU
 * when CUDA is present; on the GPU in BF16 the logits are within 2e-2. Each measured error is printed as a line
 * starting with {@code hf-parity} (gpu-check.sh copies them into its summary).
 *
 * <p>Not tagged {@code gpu}: the CPU half runs wherever the references exist. The references need torch and
 * transformers, so the whole class is skipped, with the reason, unless the system property
 * {@value #PROPERTY} names the folder the script wrote ({@code tests/gpu/gpu-check.sh} sets it).
 */
class HfParityTest {
    static final String PROPERTY = "lorapar.hf.reference";
    static final String FORMAT = "lorapar-hf-parity/1";
    static final double F32_TOLERANCE = 1e-4, BF16_TOLERANCE = 2e-2;

    /** One prompt batch of a model: equal-length prompts, transformers' logits and greedy continuation. */
    record Case(String name, int[][] prompts, long[] logitsShape, Path logitsFile, int[][] greedy, double minMargin) {
        /** transformers' fp32 logits [batch·seq × vocab] (row b·seq + i: sequence b, position i). */
        float[] logits() {
            long count = logitsShape[0] * logitsShape[1] * logitsShape[2];
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(logitsFile);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + logitsFile, e);
            }
            assertEquals(count * Float.BYTES, bytes.length, logitsFile + ": size against shape " + Arrays.toString(logitsShape));
            float[] out = new float[Math.toIntExact(count)]; // [batch·seq × vocab]
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
    }

    /** One model folder: the checkpoint transformers saved and its reference.json. */
    record Model(String name, Path dir, JsonNode reference, List<Case> cases) {
        String savedDtype() {
            return reference.path("saved_dtype").asText();
        }
    }

    // ---------------------------------------------------------------- the checks

    /** lorapar reads from config.json what transformers used (a misread rope_theta would fail every logit). */
    @Test
    void configMatchesTransformers() {
        List<Executable> checks = new ArrayList<>();
        for (Model model : models()) {
            try (Checkpoint ckpt = Checkpoints.open(model.dir())) {
                LlamaConfig c = ckpt.config();
                JsonNode hf = model.reference().path("config");
                String ctx = model.name() + ": lorapar read " + c + " from " + model.dir().resolve("config.json")
                        + "; transformers used " + hf;
                checks.add(() -> assertEquals(hf.path("hidden_size").asInt(), c.dim(), "hidden_size " + ctx));
                checks.add(() -> assertEquals(hf.path("intermediate_size").asInt(), c.hiddenDim(), "intermediate_size " + ctx));
                checks.add(() -> assertEquals(hf.path("num_hidden_layers").asInt(), c.nLayers(), "num_hidden_layers " + ctx));
                checks.add(() -> assertEquals(hf.path("num_attention_heads").asInt(), c.nHeads(), "num_attention_heads " + ctx));
                checks.add(() -> assertEquals(hf.path("num_key_value_heads").asInt(), c.nKvHeads(), "num_key_value_heads " + ctx));
                checks.add(() -> assertEquals(hf.path("vocab_size").asInt(), c.vocabSize(), "vocab_size " + ctx));
                checks.add(() -> assertEquals(hf.path("rope_theta").asDouble(), c.ropeTheta(), 0.0, "rope_theta " + ctx));
                checks.add(() -> assertEquals(hf.path("rms_norm_eps").asDouble(), c.normEps(), 0.0, "rms_norm_eps " + ctx));
                checks.add(() -> assertEquals(hf.path("tie_word_embeddings").asBoolean(), c.tiedEmbeddings(), "tie_word_embeddings " + ctx));
                checks.add(() -> assertEquals(hf.path("max_position_embeddings").asInt(), c.maxSeqLen(), "max_position_embeddings " + ctx));
                String stored = switch (model.savedDtype()) {
                    case "float32" -> "F32";
                    case "bfloat16" -> "BF16";
                    default -> "unknown saved_dtype '" + model.savedDtype() + "'";
                };
                for (WeightTensor t : ckpt.tensors().values()) {
                    checks.add(() -> assertEquals(stored, t.type().name(), model.name() + ": " + t.name()
                            + " is stored as " + t.type() + " but transformers saved " + model.savedDtype()));
                }
            }
        }
        assertAll("config.json and weights as lorapar reads them", checks);
    }

    @Test
    void cpuF32LogitsMatchTransformers() {
        logitsMatch(Device.CPU, DType.F32, F32_TOLERANCE);
    }

    @Test
    void cpuF32GreedyMatchesTransformers() {
        greedyMatches(Device.CPU, DType.F32, true);
    }

    @Test
    void gpuF32LogitsMatchTransformers() {
        List<Model> models = models();
        Backends.assumeCuda();
        logitsMatch(models, Backends.gpu(), DType.F32, F32_TOLERANCE);
    }

    @Test
    void gpuF32GreedyMatchesTransformers() {
        List<Model> models = models();
        Backends.assumeCuda();
        greedyMatches(models, Backends.gpu(), DType.F32, true);
    }

    /** BF16 weights and activations (fp32 accumulation) against the fp32 reference; greedy agreement printed only. */
    @Test
    void gpuBf16LogitsCloseToTransformers() {
        List<Model> models = models();
        Backends.assumeCuda();
        logitsMatch(models, Backends.gpu(), DType.BF16, BF16_TOLERANCE);
        greedyMatches(models, Backends.gpu(), DType.BF16, false);
    }

    // ---------------------------------------------------------------- running lorapar

    private static void logitsMatch(Device device, DType dtype, double tolerance) {
        logitsMatch(models(), device, dtype, tolerance);
    }

    /** Every case of every model: logits on device in dtype within tolerance (relative L2) of transformers'. */
    private static void logitsMatch(List<Model> models, Device device, DType dtype, double tolerance) {
        List<Executable> checks = new ArrayList<>();
        for (Model model : models) {
            try (Checkpoint ckpt = Checkpoints.open(model.dir());
                 Stream stream = Stream.create(device);
                 LlamaWeights weights = LlamaWeights.upload(ckpt, stream, dtype)) {
                for (Case c : model.cases()) {
                    float[] got; // [batch·seq × vocab]
                    try (Tensor logits = LlamaForward.logits(stream, weights, c.prompts())) {
                        got = logits.toFloatArray(stream);
                    }
                    float[] ref = c.logits();
                    String ctx = context(model, c, device, dtype);
                    if (got.length == ref.length) {
                        report(model, c, device, dtype, String.format(Locale.ROOT, "logits relative L2 error %.3e (limit %.0e)",
                                Numerics.relativeError(got, ref), tolerance));
                    }
                    checks.add(() -> Numerics.assertClose("logits", got, ref, tolerance, ctx));
                }
            }
        }
        assertAll("logits against transformers on " + device + " in " + dtype, checks);
    }

    /**
     * Every case of every model: 24 greedy tokens, each from the whole forward of the sequence so far; when
     * {@code assertEqual}, they must be transformers' tokens exactly, else the agreement is only printed.
     */
    private static void greedyMatches(Device device, DType dtype, boolean assertEqual) {
        greedyMatches(models(), device, dtype, assertEqual);
    }

    private static void greedyMatches(List<Model> models, Device device, DType dtype, boolean assertEqual) {
        List<Executable> checks = new ArrayList<>();
        for (Model model : models) {
            try (Checkpoint ckpt = Checkpoints.open(model.dir());
                 Stream stream = Stream.create(device);
                 LlamaWeights weights = LlamaWeights.upload(ckpt, stream, dtype)) {
                int vocab = ckpt.config().vocabSize();
                for (Case c : model.cases()) {
                    Greedy got = greedy(stream, weights, vocab, c.prompts(), c.greedy()[0].length);
                    String agreement = agreement(c.greedy(), got.ids());
                    report(model, c, device, dtype, "greedy " + agreement + "; transformers' smallest top-1/top-2 margin "
                            + String.format(Locale.ROOT, "%.2e, lorapar's %.2e", c.minMargin(), got.minMargin())
                            + (assertEqual ? "" : " (not asserted)"));
                    if (assertEqual) {
                        String ctx = context(model, c, device, dtype);
                        checks.add(() -> {
                            for (int b = 0; b < c.greedy().length; b++) {
                                if (!Arrays.equals(c.greedy()[b], got.ids()[b])) {
                                    fail("greedy continuation of sequence " + b + ": " + agreement + "\n transformers "
                                            + Arrays.toString(c.greedy()[b]) + "\n lorapar      " + Arrays.toString(got.ids()[b])
                                            + "\n " + ctx);
                                }
                            }
                        });
                    }
                }
            }
        }
        assertAll("greedy continuations against transformers on " + device + " in " + dtype, checks);
    }

    /** Generated ids [batch][steps] and the smallest top-1/top-2 logit gap met on the way. */
    record Greedy(int[][] ids, double minMargin) {
    }

    /** Greedy decoding of a batch of equal-length prompts by re-running the whole forward each step. */
    static Greedy greedy(Stream stream, LlamaWeights weights, int vocab, int[][] prompts, int steps) {
        int batch = prompts.length, seq = prompts[0].length;
        int[][] seqs = new int[batch][];
        for (int b = 0; b < batch; b++) seqs[b] = Arrays.copyOf(prompts[b], seq + steps);
        double minMargin = Double.POSITIVE_INFINITY;
        for (int step = 0; step < steps; step++) {
            int n = seq + step;
            int[][] prefix = new int[batch][];
            for (int b = 0; b < batch; b++) prefix[b] = Arrays.copyOf(seqs[b], n);
            float[] all; // [batch·n × vocab]
            try (Tensor logits = LlamaForward.logits(stream, weights, prefix)) {
                all = logits.toFloatArray(stream);
            }
            for (int b = 0; b < batch; b++) {
                int row = (b * n + n - 1) * vocab;
                int best = 0, second = -1;
                for (int i = 1; i < vocab; i++) {
                    if (all[row + i] > all[row + best]) {
                        second = best;
                        best = i;
                    } else if (second < 0 || all[row + i] > all[row + second]) {
                        second = i;
                    }
                }
                Numerics.assertAllFinite("logits", Arrays.copyOfRange(all, row, row + vocab), "greedy step " + step);
                seqs[b][n] = best;
                if (second >= 0) minMargin = Math.min(minMargin, (double) all[row + best] - all[row + second]);
            }
        }
        int[][] ids = new int[batch][];
        for (int b = 0; b < batch; b++) ids[b] = Arrays.copyOfRange(seqs[b], seq, seq + steps);
        return new Greedy(ids, minMargin);
    }

    /** "all 48 tokens agree" or "k of n tokens agree; first difference: sequence b step s". */
    static String agreement(int[][] expected, int[][] got) {
        int total = 0, same = 0, firstB = -1, firstStep = -1;
        for (int b = 0; b < expected.length; b++) {
            for (int s = 0; s < expected[b].length; s++) {
                total++;
                if (expected[b][s] == got[b][s]) {
                    same++;
                } else if (firstB < 0) {
                    firstB = b;
                    firstStep = s;
                }
            }
        }
        return firstB < 0 ? "all " + total + " tokens agree"
                : same + " of " + total + " tokens agree; first difference: sequence " + firstB + " step " + firstStep;
    }

    private static void report(Model model, Case c, Device device, DType dtype, String what) {
        System.out.printf(Locale.ROOT, "hf-parity %-24s %-9s %-7s %-4s %s%n", model.name(), c.name(), device, dtype, what);
    }

    private static String context(Model model, Case c, Device device, DType dtype) {
        return "[" + model.name() + " " + c.name() + " on " + device + " in " + dtype + "; " + model.dir() + "]";
    }

    // ---------------------------------------------------------------- reading the references

    /** The reference folder's models; skips the test when the property is unset, fails when the folder is bad. */
    static List<Model> models() {
        String dir = System.getProperty(PROPERTY);
        Assumptions.assumeTrue(dir != null && !dir.isBlank(), "system property " + PROPERTY + " is not set: the Hugging"
                + " Face parity check needs the folder written by 'python3 tests/gpu/hf_make_reference.py --out DIR'"
                + " (torch + transformers); run with -D" + PROPERTY + "=DIR (tests/gpu/gpu-check.sh does)");
        Path root = Path.of(dir);
        Path manifest = root.resolve("models.json");
        assertTrue(Files.isRegularFile(manifest), manifest + " is missing: hf_make_reference.py did not finish"
                + " (it writes models.json last)");
        JsonNode names = read(manifest).path("models");
        assertTrue(names.isArray() && !names.isEmpty(), manifest + " lists no models");
        List<Model> models = new ArrayList<>();
        for (JsonNode name : names) {
            models.add(model(root.resolve(name.asText())));
        }
        return models;
    }

    static Model model(Path dir) {
        JsonNode ref = read(dir.resolve("reference.json"));
        assertEquals(FORMAT, ref.path("format").asText(), dir + "/reference.json format");
        int newTokens = ref.path("new_tokens").asInt(-1);
        assertTrue(newTokens > 0, dir + "/reference.json: new_tokens " + ref.path("new_tokens"));
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : ref.path("cases")) {
            String name = c.path("name").asText();
            int[][] prompts = ints(c.path("prompts"));
            int[][] greedy = ints(c.path("greedy_ids"));
            long[] shape = new long[3];
            for (int i = 0; i < 3; i++) shape[i] = c.path("logits_shape").path(i).asLong(-1);
            String ctx = dir + " case " + name;
            assertTrue(prompts.length > 0 && prompts[0].length > 0, ctx + ": no prompts");
            assertEquals(prompts.length, shape[0], ctx + ": logits_shape batch");
            assertEquals(prompts[0].length, shape[1], ctx + ": logits_shape seq");
            assertEquals(ref.path("config").path("vocab_size").asLong(), shape[2], ctx + ": logits_shape vocab");
            assertEquals(prompts.length, greedy.length, ctx + ": greedy_ids rows");
            for (int[] row : greedy) assertEquals(newTokens, row.length, ctx + ": greedy_ids length");
            cases.add(new Case(name, prompts, shape, dir.resolve(c.path("logits_file").asText()), greedy,
                    c.path("checks").path("min_margin").asDouble(Double.NaN)));
        }
        assertTrue(!cases.isEmpty(), dir + "/reference.json has no cases");
        return new Model(ref.path("model").asText(dir.getFileName().toString()), dir, ref, cases);
    }

    private static JsonNode read(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static int[][] ints(JsonNode rows) {
        int[][] out = new int[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode row = rows.get(r);
            out[r] = new int[row.size()];
            for (int i = 0; i < out[r].length; i++) {
                JsonNode v = row.get(i);
                assertTrue(v.canConvertToInt(), "not a token id: " + v);
                out[r][i] = v.asInt();
            }
        }
        return out;
    }
}

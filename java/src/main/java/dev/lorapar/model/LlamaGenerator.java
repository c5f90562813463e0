package dev.lorapar.model;

import dev.lorapar.core.CudaGraph;
import dev.lorapar.core.Stream;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Batched generation with a KV cache: the prompts (of any lengths) are packed into one prefill pass (segments, RoPE
 * positions restarting per prompt) that fills the cache; then every decode step embeds the batch's last tokens,
 * runs each layer on one row per sequence (decode attention over its cache) and samples on the device. On CUDA
 * the decode step is captured once per {@link #generate} call into a CUDA graph and replayed, so kernel launches
 * do not dominate small batches. Owns its caches and buffers (sized for {@link Options}); not thread-safe.
 */
public final class LlamaGenerator implements AutoCloseable {
    /** maxBatch requests per call; maxLength = prompt + continuation positions per request. */
    public record Options(int maxBatch, int maxLength, boolean cudaGraph) {
        public Options {
            if (maxBatch < 1 || maxLength < 2) {
                throw new IllegalArgumentException("maxBatch must be ≥ 1 and maxLength ≥ 2, got " + maxBatch + ", "
                        + maxLength);
            }
        }

        public static Options of(int maxBatch, int maxLength) {
            return new Options(maxBatch, maxLength, true);
        }
    }

    private final LlamaWeights weights;
    private final Stream stream;
    private final Options options;
    private final Tokenizer tokenizer; // nullable: needed for stop strings only
    private final KvDecodeBuffers buffers; // caches [maxBatch×maxLength], per-row inputs and sampling settings
    private boolean closed;

    private LlamaGenerator(LlamaWeights weights, Stream stream, Options options, Tokenizer tokenizer) {
        this.weights = weights;
        this.stream = stream;
        this.options = options;
        this.tokenizer = tokenizer;
        this.buffers = new KvDecodeBuffers(weights, stream, options.maxBatch(), options.maxLength(), 1);
    }

    /** A generator for {@code weights} on {@code stream}'s device; {@code tokenizer} (nullable) decodes stop strings. */
    public static LlamaGenerator create(LlamaWeights weights, Stream stream, Options options, Tokenizer tokenizer) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(options, "options");
        if (!stream.device().equals(weights.embedding().device())) {
            throw new IllegalArgumentException("LlamaGenerator: stream on " + stream.device() + " but weights on "
                    + weights.embedding().device());
        }
        return new LlamaGenerator(weights, stream, options, tokenizer);
    }

    /** Continues every request with {@code adapter} active (null = disabled); results in request order. */
    public List<GenerationResult> generate(List<GenerationRequest> requests, LoraAdapter adapter) {
        if (closed) {
            throw new IllegalStateException("LlamaGenerator is closed");
        }
        int n = checkRequests(requests);
        LoraBinding lora = LoraBinding.of(weights, adapter);
        LayerActivations acts = buffers.activations(lora);
        Sampling[] settings = new Sampling[n];
        List<int[]> prompts = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            settings[r] = requests.get(r).sampling();
            prompts.add(requests.get(r).prompt());
        }
        KvDecodeBuffers.SamplingRows sampling = buffers.sampling;
        sampling.upload(stream, settings);
        int[] cacheRows = new int[n];
        Arrays.setAll(cacheRows, r -> r);
        int[] firstWithPrompt = buffers.prefill(prompts, cacheRows, sampling, lora);
        int[] prefix = new int[2 * n]; // [n×2]: a repeated prompt is read from its first row (all live to the end)
        for (int r = 0; r < n; r++) {
            prefix[2 * r] = firstWithPrompt[r];
            prefix[2 * r + 1] = firstWithPrompt[r] == r ? 0 : prompts.get(r).length;
        }
        buffers.prefix.rows(0, n).copyFromInts(stream, prefix);
        Decoding state = new Decoding(requests, options.maxLength(), tokenizer);
        CudaGraph graph = null;
        try {
            for (int step = 0; ; step++) {
                if (state.accept(sampling.ids().rows(0, n).toIntArray(stream))) {
                    break;
                }
                buffers.rowInts.copyFromInts(stream, state.rowInts(options.maxBatch()));
                sampling.step().copyFromLongs(stream, state.drawIndices(options.maxBatch()));
                if (graph != null) {
                    graph.launch(stream);
                } else {
                    buffers.decodeStep(n, lora, acts, true);
                    if (step == 0 && options.cudaGraph() && stream.device().isCuda()) {
                        // captured after one eager run
                        graph = CudaGraph.capture(stream, () -> buffers.decodeStep(n, lora, acts, true));
                    }
                }
            }
        } finally {
            if (graph != null) {
                graph.close();
            }
        }
        return state.results();
    }

    private int checkRequests(List<GenerationRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        int n = requests.size();
        if (n < 1 || n > options.maxBatch()) {
            throw new IllegalArgumentException("generate: " + n + " requests, the generator holds 1.."
                    + options.maxBatch());
        }
        for (int r = 0; r < n; r++) {
            Decoding.checkRequest("generate", "generator", requests.get(r), r, options.maxLength(),
                    weights.config().vocabSize(), tokenizer);
        }
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            buffers.close();
        }
    }
}

package dev.lorapar.model;

import dev.lorapar.core.CudaGraph;
import dev.lorapar.core.Stream;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Continuous batching: a pool of {@code slots} KV-cache rows of {@code maxLength} positions each, which sequences
 * join (their prompt prefilled into a free row, their first token sampled) and leave (the row freed) between decode
 * steps. Each sequence keeps its own sampling settings, stop rules and adapter ({@link #join}); one
 * {@link #step(LoraAdapter)} advances every running sequence of that adapter (null = base model) by one token.
 *
 * <p>A decode step covers the rows [0, n) where n is one past the highest row in use, rounded up to a power of two
 * (at most {@code slots}) on CUDA so that one CUDA graph per (adapter, n) is captured and replayed; free rows and
 * rows of sequences under other adapters are computed along and their output ignored (their cache write lands on a
 * free row's position 0, or on the position the owning sequence rewrites in its own step before reading it). Rows
 * are handed out lowest first, so n follows the number of running sequences. On the CPU a sequence's greedy output
 * does not depend on which other sequences run beside it (the tests check it against {@link LlamaGenerator} alone);
 * on CUDA it can only differ where a GEMM picks another kernel for another batch size. Owns its caches and
 * workspaces; not thread-safe (one thread drives it).
 */
public final class ContinuousDecoder implements AutoCloseable {
    /** slots = concurrent sequences; maxLength = prompt + continuation positions per sequence. */
    public record Options(int slots, int maxLength, boolean cudaGraph) {
        public Options {
            if (slots < 1 || maxLength < 2) {
                throw new IllegalArgumentException("slots must be ≥ 1 and maxLength ≥ 2, got " + slots + ", "
                        + maxLength);
            }
        }

        public static Options of(int slots, int maxLength) {
            return new Options(slots, maxLength, true);
        }
    }

    /** One sequence in the pool: its request, adapter, tokens so far and, once it stopped, why. */
    public static final class Sequence {
        private final GenerationRequest request;
        private final LoraAdapter adapter;
        private final boolean logprobs;
        private final Decoding decoding;
        private final List<Float> tokenLogprobs = new ArrayList<>();
        private int row;      // cache row, −1 once it left
        private boolean left; // freed by leave() before it stopped

        private Sequence(GenerationRequest request, LoraAdapter adapter, boolean logprobs, int row, int maxLength,
                         Tokenizer tokenizer) {
            this.request = request;
            this.adapter = adapter;
            this.logprobs = logprobs;
            this.row = row;
            this.decoding = new Decoding(List.of(request), maxLength, tokenizer);
        }

        public GenerationRequest request() {
            return request;
        }

        /** The adapter the sequence runs with (null = base model). */
        public LoraAdapter adapter() {
            return adapter;
        }

        /** Tokens generated so far. */
        public int count() {
            return decoding.count(0);
        }

        /** Generated token i (i < count()). */
        public int token(int i) {
            if (i < 0 || i >= count()) {
                throw new IndexOutOfBoundsException("token " + i + " of " + count());
            }
            return decoding.token(0, i);
        }

        /** All tokens generated so far (a copy). */
        public int[] tokens() {
            int[] out = new int[count()];
            Arrays.setAll(out, i -> decoding.token(0, i));
            return out;
        }

        /**
         * The natural-log probability of generated token i under the model's distribution (temperature 1, before
         * top-k / top-p), when the sequence joined with logprobs on; NaN otherwise.
         */
        public float logprob(int i) {
            return logprobs ? tokenLogprobs.get(i) : Float.NaN;
        }

        /** Why the sequence stopped; null while it runs or when it left early. */
        public GenerationResult.StopReason stopReason() {
            return decoding.stopReason(0);
        }

        /** True once it stopped or left: it holds no cache row any more. */
        public boolean finished() {
            return row < 0;
        }

        /** True when it was freed by {@link #leave} before it stopped. */
        public boolean cancelled() {
            return left;
        }

        /** Its tokens and stop reason (null reason when it left early). */
        public GenerationResult result() {
            return new GenerationResult(tokens(), stopReason());
        }
    }

    private record GraphKey(LoraAdapter adapter, int n) {
    }

    private record Captured(CudaGraph graph, LayerActivations acts) {
    }

    private final LlamaWeights weights;
    private final Stream stream;
    private final Options options;
    private final Tokenizer tokenizer; // nullable: stop strings need it
    private final KvDecodeBuffers buffers;
    private final OwnedTensors joinOwned;
    private final KvDecodeBuffers.SamplingRows joinSampling; // [slots] prefill-time settings of joining sequences
    private final Sequence[] occupant;   // [slots] null where free
    private final Sampling[] rowSampling; // [slots] settings of each row's occupant
    private final Map<GraphKey, Captured> graphs = new HashMap<>();
    private final Map<LoraAdapter, LoraBinding> bindings = new IdentityHashMap<>();
    private LoraBinding baseBinding;
    private boolean samplingDirty = true;
    private boolean closed;

    private ContinuousDecoder(LlamaWeights weights, Stream stream, Options options, Tokenizer tokenizer) {
        this.weights = weights;
        this.stream = stream;
        this.options = options;
        this.tokenizer = tokenizer;
        this.occupant = new Sequence[options.slots()];
        this.rowSampling = new Sampling[options.slots()];
        this.buffers = new KvDecodeBuffers(weights, stream, options.slots(), options.maxLength(), 8);
        this.joinOwned = new OwnedTensors(stream.device());
        try {
            this.joinSampling = KvDecodeBuffers.SamplingRows.allocate(joinOwned, options.slots());
        } catch (RuntimeException e) {
            joinOwned.close();
            buffers.close();
            throw e;
        }
    }

    /** A decoder for {@code weights} on {@code stream}'s device; {@code tokenizer} (nullable) decodes stop strings. */
    public static ContinuousDecoder create(LlamaWeights weights, Stream stream, Options options, Tokenizer tokenizer) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(options, "options");
        if (!stream.device().equals(weights.embedding().device())) {
            throw new IllegalArgumentException("ContinuousDecoder: stream on " + stream.device() + " but weights on "
                    + weights.embedding().device());
        }
        return new ContinuousDecoder(weights, stream, options, tokenizer);
    }

    public Options options() {
        return options;
    }

    /** Rows not held by a running sequence. */
    public int freeSlots() {
        int free = 0;
        for (Sequence s : occupant) {
            free += s == null ? 1 : 0;
        }
        return free;
    }

    /** The running sequences, in row order. */
    public List<Sequence> running() {
        List<Sequence> out = new ArrayList<>();
        for (Sequence s : occupant) {
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** The adapters (null = base) of the running sequences, in row order of their first sequence. */
    public Set<LoraAdapter> runningAdapters() {
        Set<LoraAdapter> out = new LinkedHashSet<>();
        for (Sequence s : occupant) {
            if (s != null) {
                out.add(s.adapter);
            }
        }
        return out;
    }

    /**
     * Prefills {@code requests} (one packed pass) into free rows with {@code adapter} (null = base) and samples each
     * one's first token; a request that stops at once (one new token, a stop token) is finished on return and holds
     * no row. {@code logprobs}: keep each generated token's log-probability ({@link Sequence#logprob}).
     *
     * @throws IllegalArgumentException when there are more requests than free rows, a prompt does not fit maxLength,
     *     a token is outside the vocabulary, or stop strings are asked for without a tokenizer
     */
    public List<Sequence> join(List<GenerationRequest> requests, LoraAdapter adapter, boolean logprobs) {
        checkOpen();
        Objects.requireNonNull(requests, "requests");
        if (requests.isEmpty() || requests.size() > freeSlots()) {
            throw new IllegalArgumentException("join: " + requests.size() + " requests, " + freeSlots()
                    + " free slots");
        }
        for (int r = 0; r < requests.size(); r++) {
            Objects.requireNonNull(requests.get(r), "request " + r);
            Decoding.checkRequest("join", "decoder", requests.get(r), r, options.maxLength(),
                    weights.config().vocabSize(), tokenizer);
        }
        LoraBinding lora = binding(adapter);
        int n = requests.size();
        int[] rows = new int[n];
        Sampling[] settings = new Sampling[n];
        List<int[]> prompts = new ArrayList<>();
        List<Sequence> joined = new ArrayList<>();
        int next = 0;
        for (int r = 0; r < n; r++) {
            while (occupant[next] != null) {
                next++;
            }
            rows[r] = next++;
            settings[r] = requests.get(r).sampling();
            prompts.add(requests.get(r).prompt());
        }
        joinSampling.upload(stream, settings);
        buffers.prefill(prompts, rows, joinSampling, lora);
        int[] first = joinSampling.ids().rows(0, n).toIntArray(stream);
        float[][] rowLogits = logprobs ? logitRows(n) : null;
        for (int r = 0; r < n; r++) {
            Sequence s = new Sequence(requests.get(r), adapter, logprobs, rows[r], options.maxLength(), tokenizer);
            occupant[rows[r]] = s;
            rowSampling[rows[r]] = settings[r];
            samplingDirty = true;
            accept(s, first[r], rowLogits == null ? null : rowLogits[r]);
            joined.add(s);
        }
        return joined;
    }

    /**
     * One decode step for the running sequences of {@code adapter} (null = base): each gets one token; those that
     * stop free their rows. Returns the sequences advanced (empty when none of that adapter runs).
     */
    public List<Sequence> step(LoraAdapter adapter) {
        checkOpen();
        List<Sequence> group = new ArrayList<>();
        int highest = -1;
        for (int r = 0; r < occupant.length; r++) {
            if (occupant[r] != null) {
                highest = r;
                if (occupant[r].adapter == adapter) {
                    group.add(occupant[r]);
                }
            }
        }
        if (group.isEmpty()) {
            return group;
        }
        boolean graph = options.cudaGraph() && stream.device().isCuda();
        int n = graph ? Math.min(options.slots(), ceilPowerOfTwo(highest + 1)) : highest + 1;
        uploadRows(n);
        LoraBinding lora = binding(adapter);
        LayerActivations acts = buffers.activations(lora);
        launch(new GraphKey(adapter, n), graph, lora, acts, n);
        int[] sampled = buffers.sampling.ids().rows(0, n).toIntArray(stream);
        float[][] rowLogits = null;
        for (Sequence s : group) {
            if (s.logprobs && rowLogits == null) {
                rowLogits = logitRows(n);
            }
        }
        for (Sequence s : group) {
            int row = s.row;
            accept(s, sampled[row], rowLogits == null ? null : rowLogits[row]);
        }
        return group;
    }

    static int ceilPowerOfTwo(int v) {
        return v <= 1 ? 1 : Integer.highestOneBit(v - 1) << 1;
    }

    private void launch(GraphKey key, boolean graph, LoraBinding lora, LayerActivations acts, int n) {
        Captured c = graphs.get(key);
        if (c != null && c.acts != acts) { // the workspace was replaced since the capture
            c.graph.close();
            graphs.remove(key);
            c = null;
        }
        if (c != null) {
            c.graph.launch(stream);
            return;
        }
        buffers.decodeStep(n, lora, acts, false); // rows leave on their own: each reads its own prompt copy
        if (graph) { // captured after one eager run of this shape (as LlamaGenerator does)
            graphs.put(key, new Captured(CudaGraph.capture(stream, () -> buffers.decodeStep(n, lora, acts, false)), acts));
        }
    }

    /** Uploads ids (each row's last token), positions / lengths / cache slots, draw indices for rows [0, n). */
    private void uploadRows(int n) {
        int slots = options.slots(), maxLength = options.maxLength();
        if (samplingDirty) {
            buffers.sampling.upload(stream, rowSampling);
            samplingDirty = false;
        }
        int[] ids = new int[n];
        int[] rowInts = new int[3 * slots];
        long[] draws = new long[slots];
        for (int r = 0; r < slots; r++) {
            Sequence s = occupant[r];
            int position = s == null ? 0 : s.decoding.nextPosition(0);
            rowInts[r] = position;
            rowInts[slots + r] = position + 1;
            rowInts[2 * slots + r] = r * maxLength + position;
            if (s != null) {
                draws[r] = s.count();
                if (r < n) {
                    ids[r] = s.token(s.count() - 1);
                }
            }
        }
        buffers.sampling.ids().rows(0, n).copyFromInts(stream, ids);
        buffers.rowInts.copyFromInts(stream, rowInts);
        buffers.sampling.step().copyFromLongs(stream, draws);
    }

    private float[][] logitRows(int n) {
        int vocab = weights.config().vocabSize();
        float[] all = buffers.logits(n).toFloatArray(stream); // [n×vocab]
        float[][] out = new float[n][];
        for (int r = 0; r < n; r++) {
            out[r] = Arrays.copyOfRange(all, r * vocab, (r + 1) * vocab);
        }
        return out;
    }

    /** log softmax(logits)[id] in double precision. */
    static float logSoftmaxAt(float[] logits, int id) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return (float) (logits[id] - max - Math.log(sum));
    }

    private void accept(Sequence s, int id, float[] logits) {
        if (s.logprobs && id >= 0) {
            s.tokenLogprobs.add(logSoftmaxAt(logits, id));
        }
        if (s.decoding.accept(new int[] {id})) {
            free(s);
        }
    }

    /** Frees {@code sequence}'s row before it stopped (cancellation); nothing when it already finished. */
    public void leave(Sequence sequence) {
        checkOpen();
        if (!sequence.finished()) {
            sequence.left = true;
            free(sequence);
        }
    }

    private void free(Sequence s) {
        occupant[s.row] = null;
        rowSampling[s.row] = null;
        samplingDirty = true;
        s.row = -1;
    }

    /**
     * Drops what the decoder keeps for {@code adapter} (its captured graphs) before the adapter is closed.
     *
     * @throws IllegalStateException when a running sequence still uses it
     */
    public void forget(LoraAdapter adapter) {
        for (Sequence s : occupant) {
            if (s != null && s.adapter == adapter) {
                throw new IllegalStateException("forget: a running sequence still uses the adapter");
            }
        }
        graphs.entrySet().removeIf(e -> {
            if (e.getKey().adapter() == adapter) {
                e.getValue().graph.close();
                return true;
            }
            return false;
        });
        bindings.remove(adapter);
    }

    private LoraBinding binding(LoraAdapter adapter) {
        if (adapter == null) {
            if (baseBinding == null) {
                baseBinding = LoraBinding.of(weights, null);
            }
            return baseBinding;
        }
        return bindings.computeIfAbsent(adapter, a -> LoraBinding.of(weights, a));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ContinuousDecoder is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            graphs.values().forEach(c -> c.graph.close());
            graphs.clear();
            buffers.close();
            joinOwned.close();
        }
    }
}

package dev.lorapar.serve;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.model.ContinuousDecoder;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.SequenceScorer;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tokenizer.ChatTurn;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftImport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A model loaded once and served to many concurrent callers: generation (blocking, streaming, cancellable) and
 * log-likelihood scoring, with the base model or any loaded LoRA adapter per request. Thread-safe: every call
 * hands its work to one decoding loop thread that owns the device state, batches all running generations
 * (continuous batching over a fixed pool of KV-cache rows, {@link EngineOptions}) and serves one running batch per
 * adapter round-robin, one decode step each. A request waits in a bounded queue when every row is busy and is
 * refused ({@link QueueFullException}) when the queue is full, so memory use is fixed once the engine is open.
 *
 * <pre>{@code
 * try (ServingEngine engine = ServingEngine.open(Path.of("llama-2-7b-hf"), Device.cuda(0), DType.BF16,
 *         EngineOptions.of(64, 2048))) {
 *     engine.loadAdapter("math", Path.of("runs/sft/adapter"));
 *     int[] prompt = engine.encodePrompt("Q: 12 * 7 = ?\nA:");
 *     Completion c = engine.submit(CompletionRequest.greedy("math", prompt, 32)).await();
 *     for (TokenChunk t : engine.submit(CompletionRequest.greedy(null, prompt, 32))) System.out.print(t.text());
 * }
 * }</pre>
 */
public final class ServingEngine implements AutoCloseable {
    private final String modelName;
    private final Tokenizer tokenizer;
    private final Stream stream;
    private final LlamaWeights weights;
    private final Checkpoint checkpoint; // null when the caller gave the weights
    private final boolean ownsWeights;
    private final EngineOptions options;
    private final ContinuousDecoder decoder;
    private final DecodeLoop loop;
    private final Thread thread;
    private final Map<String, Loaded> adapters = new ConcurrentHashMap<>();
    private SequenceScorer scorer; // loop thread only, made on first use
    private volatile boolean closed;

    /** A loaded adapter and what frees it (null when the caller owns it). */
    private record Loaded(LoraAdapter adapter, ImportedAdapter owner) {
        void close() {
            if (owner != null) {
                owner.close();
            }
        }
    }

    private ServingEngine(String modelName, Tokenizer tokenizer, Stream stream, LlamaWeights weights,
                          Checkpoint checkpoint, boolean ownsWeights, EngineOptions options) {
        this.modelName = modelName;
        this.tokenizer = tokenizer;
        this.stream = stream;
        this.weights = weights;
        this.checkpoint = checkpoint;
        this.ownsWeights = ownsWeights;
        this.options = options;
        this.decoder = ContinuousDecoder.create(weights, stream, new ContinuousDecoder.Options(options.slots(),
                options.maxLength(), options.cudaGraph()), tokenizer);
        this.loop = new DecodeLoop(decoder, tokenizer, options.queueCapacity());
        this.thread = Thread.ofPlatform().name("lorapar-decode-loop").daemon(true).start(loop);
    }

    /**
     * Loads a model (Hugging Face folder, llama2.c .bin or GGUF, {@link Checkpoints#open}) and its tokenizer
     * ({@link Tokenizers#nextTo}) onto {@code device} in {@code dtype} (F32 on the CPU, BF16 or F32 on CUDA). The
     * model's name is the file or folder name.
     */
    public static ServingEngine open(Path model, Device device, DType dtype, EngineOptions options) {
        return open(model, Tokenizers.nextTo(model), device, dtype, options);
    }

    /** As {@link #open(Path, Device, DType, EngineOptions)} with an explicit tokenizer. */
    public static ServingEngine open(Path model, Tokenizer tokenizer, Device device, DType dtype,
                                     EngineOptions options) {
        Objects.requireNonNull(options, "options");
        Stream stream = Stream.create(device);
        Checkpoint ckpt = null;
        LlamaWeights w = null;
        try {
            ckpt = Checkpoints.open(model);
            w = LlamaWeights.upload(ckpt, stream, dtype);
            String name = model.getFileName().toString().replaceFirst("\\.(bin|gguf)$", "");
            return new ServingEngine(name, tokenizer, stream, w, ckpt, true, options);
        } catch (RuntimeException e) {
            if (w != null) w.close();
            if (ckpt != null) ckpt.close();
            stream.close();
            throw e;
        }
    }

    /**
     * Serves weights the caller owns (they must outlive the engine), e.g. {@link LlamaWeights#randomForBenchmark}.
     * The engine makes its own stream on the weights' device.
     */
    public static ServingEngine of(String modelName, LlamaWeights weights, Tokenizer tokenizer,
                                   EngineOptions options) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Stream stream = Stream.create(weights.embedding().device());
        try {
            return new ServingEngine(modelName, tokenizer, stream, weights, null, false, options);
        } catch (RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    /** The base model's name (requests name an adapter as "model:adapter" over HTTP). */
    public String modelName() {
        return modelName;
    }

    /** The tokenizer of the model (thread-safe). */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The served weights, e.g. to make an adapter for {@link #addAdapter} ({@link LoraAdapter#create} on a stream of
     * the same device). Owned by the engine when it loaded them ({@link #open}); do not close or modify them.
     */
    public LlamaWeights weights() {
        return weights;
    }

    /** The sizes the engine was opened with. */
    public EngineOptions options() {
        return options;
    }

    /** Counters and histograms (Prometheus text through {@link EngineMetrics#prometheus()}). */
    public EngineMetrics metrics() {
        return loop.metrics();
    }

    /** Requests waiting for a free KV-cache row. */
    public int queueDepth() {
        return loop.queueDepth();
    }

    /** Sequences in the running batch. */
    public int running() {
        return loop.running();
    }

    /** True until {@link #close()} or {@link #shutdown} began. */
    public boolean isOpen() {
        return !closed;
    }

    /** The names of the loaded adapters, sorted. */
    public List<String> adapterNames() {
        return adapters.keySet().stream().sorted().toList();
    }

    /**
     * Reads a PEFT adapter folder ({@link PeftImport}) under {@code name}, between decode steps.
     *
     * @throws IllegalArgumentException when the name is taken or not [A-Za-z0-9._-]{1,64}
     * @throws dev.lorapar.model.io.CheckpointException when the folder is not a usable adapter for this model
     */
    public void loadAdapter(String name, Path peftFolder) {
        checkName(name);
        if (adapters.containsKey(name)) {
            throw new IllegalArgumentException("an adapter named '" + name + "' is already loaded");
        }
        ImportedAdapter a = join(loop.call(() -> {
            ImportedAdapter imported = PeftImport.readPlain(peftFolder, weights, stream); // a converted PiSSA stays rank-2r: the base is shared
            stream.synchronize();
            return imported;
        }));
        if (adapters.putIfAbsent(name, new Loaded(a.adapter(), a)) != null) {
            a.close();
            throw new IllegalArgumentException("an adapter named '" + name + "' is already loaded");
        }
    }

    /**
     * Registers an adapter the caller made (e.g. {@link LoraAdapter#create}) under {@code name}; the engine does not
     * close it. Used by benchmarks and tests.
     */
    public void addAdapter(String name, LoraAdapter adapter) {
        checkName(name);
        Objects.requireNonNull(adapter, "adapter");
        if (adapters.putIfAbsent(name, new Loaded(adapter, null)) != null) {
            throw new IllegalArgumentException("an adapter named '" + name + "' is already loaded");
        }
    }

    private static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("adapter name must match [A-Za-z0-9._-]{1,64}, got '" + name + "'");
        }
    }

    /**
     * Unloads adapter {@code name}: new requests for it fail at once; waits until its waiting and running
     * generations have finished, then frees it.
     *
     * @throws UnknownAdapterException when no adapter has that name
     */
    public void unloadAdapter(String name) {
        Loaded a = adapters.remove(name);
        if (a == null) {
            throw new UnknownAdapterException(name, adapterNames());
        }
        while (true) {
            boolean busy = join(loop.call(() -> {
                if (loop.uses(a.adapter())) {
                    return true;
                }
                decoder.forget(a.adapter());
                a.close();
                return false;
            }));
            if (!busy) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while unloading adapter '" + name + "'", e);
            }
        }
    }

    private LoraAdapter resolve(String adapterName) {
        if (adapterName == null) {
            return null;
        }
        Loaded a = adapters.get(adapterName);
        if (a == null) {
            throw new UnknownAdapterException(adapterName, adapterNames());
        }
        return a.adapter();
    }

    /** BOS + the tokens of {@code text} (a plain completion prompt). */
    public int[] encodePrompt(String text) {
        return tokenizer.encode(text, true, false);
    }

    /** A Llama-2-chat prompt ({@link PromptFormat#LLAMA2_CHAT}); the last turn's answer must be null. */
    public int[] encodeChat(String system, List<ChatTurn> turns) {
        return PromptFormat.LLAMA2_CHAT.encodeDialog(tokenizer, system, turns).ids();
    }

    /**
     * Queues a generation and returns at once; consume it by iterating, through its publisher, or wait for it.
     *
     * @throws UnknownAdapterException  when the adapter is not loaded
     * @throws IllegalArgumentException when prompt + maxTokens exceed maxLength or a token is outside the vocabulary
     * @throws QueueFullException       when the waiting queue is full
     * @throws IllegalStateException    when the engine is closed or shutting down
     */
    public Generation submit(CompletionRequest request) {
        Objects.requireNonNull(request, "request");
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
        LoraAdapter adapter = resolve(request.adapter());
        if (request.prompt().length + request.maxTokens() > options.maxLength()) {
            throw new IllegalArgumentException("prompt (" + request.prompt().length + " tokens) + max_tokens ("
                    + request.maxTokens() + ") exceeds the context of " + options.maxLength() + " tokens");
        }
        int vocab = weights.config().vocabSize();
        for (int id : request.prompt()) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("prompt token " + id + " is outside the vocabulary [0, " + vocab
                        + ")");
            }
        }
        Generation g = new Generation(request, loop::poke);
        loop.submit(g, adapter);
        return g;
    }

    /** Blocking generation: submit and wait. */
    public Completion generate(CompletionRequest request) throws InterruptedException {
        return submit(request).await();
    }

    /**
     * Σ log p(continuation | context) per pair ({@link SequenceScorer}) with adapter {@code adapterName} (null =
     * base), computed between decode steps.
     */
    public List<SequenceScorer.Score> score(String adapterName, List<int[]> contexts, List<int[]> continuations) {
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
        LoraAdapter adapter = resolve(adapterName);
        List<int[]> ctx = new ArrayList<>(contexts), cont = new ArrayList<>(continuations);
        return join(loop.call(() -> {
            if (scorer == null) {
                scorer = new SequenceScorer(weights, stream, options.maxLength());
            }
            return scorer.score(ctx, cont, adapter);
        }));
    }

    private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /**
     * Stops accepting requests, lets running and waiting ones finish for up to {@code grace}, cancels the rest and
     * frees everything. {@link #close()} is shutdown with no grace.
     */
    public void shutdown(long grace, TimeUnit unit) {
        if (closed) {
            return;
        }
        closed = true;
        loop.shutdown(unit.toNanos(grace));
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (scorer != null) {
            scorer.close();
        }
        decoder.close();
        adapters.values().forEach(Loaded::close);
        adapters.clear();
        if (ownsWeights) {
            weights.close();
        }
        if (checkpoint != null) {
            checkpoint.close();
        }
        stream.close();
    }

    /** Cancels everything in flight and frees the model, adapters and caches. */
    @Override
    public void close() {
        shutdown(0, TimeUnit.NANOSECONDS);
    }
}

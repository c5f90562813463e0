package dev.lorapar.rl;

import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.GenerationResult;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.Sampling;
import dev.lorapar.tokenizer.ChatTurn;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Samples G completions for each prompt of a batch with the current adapter, all prompts × G in one
 * {@link LlamaGenerator#generate} call (one packed prefill, batched KV-cache decode). Every completion has its own
 * sampling seed derived from (run seed, step, prompt position, index), so a step's rollouts are reproducible.
 */
public final class Rollouts {
    private final LlamaGenerator generator;
    private final Tokenizer tokenizer;
    private final RolloutOptions options;

    /** {@code generator} must hold prompts × G requests of maxPrompt + maxCompletion positions. */
    public Rollouts(LlamaGenerator generator, Tokenizer tokenizer, RolloutOptions options) {
        this.generator = Objects.requireNonNull(generator, "generator");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.options = Objects.requireNonNull(options, "options");
    }

    public RolloutOptions options() {
        return options;
    }

    /** The prompt tokens of {@code item}: the template with the system instruction, truncated to its last maxPrompt. */
    public int[] promptTokens(RlItem item) {
        return promptTokens(tokenizer, options, item);
    }

    static int[] promptTokens(Tokenizer tokenizer, RolloutOptions options, RlItem item) {
        String system = item.system() != null ? item.system() : options.systemPrompt();
        if (system != null && system.isBlank()) {
            system = null;
        }
        int[] ids;
        if (options.format() == PromptFormat.LLAMA2_CHAT) {
            ids = options.format().encodeDialog(tokenizer, system, List.of(new ChatTurn(item.prompt(), null)))
                    .promptIds();
        } else {
            String text = system == null ? item.prompt() : system + "\n\n" + item.prompt();
            ids = options.format().encode(tokenizer, text, null).promptIds();
        }
        return ids.length <= options.maxPrompt() ? ids : Arrays.copyOfRange(ids, ids.length - options.maxPrompt(),
                ids.length);
    }

    /** The sampling seed of completion {@code index} of prompt {@code prompt} at optimizer step {@code step}. */
    public static long completionSeed(long runSeed, long step, int prompt, int index) {
        long h = mix(runSeed ^ 0x47525030524f4c4cL);
        h = mix(h + step * 0x9e3779b97f4a7c15L);
        h = mix(h + prompt * 0xc2b2ae3d27d4eb4fL);
        return mix(h + index * 0x165667b19e3779f9L);
    }

    /** SplitMix64's finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** G completions of every item, sampled with {@code adapter} (null = disabled) for optimizer step {@code step}. */
    public RolloutBatch generate(List<RlItem> items, long step, LoraAdapter adapter) {
        int[] positions = new int[items.size()];
        Arrays.setAll(positions, i -> i);
        return generate(items, positions, step, adapter);
    }

    /**
     * G completions of every item, item i seeded as prompt {@code positions[i]} of the micro-batch: a data-parallel
     * rank rolls out some prompts of a micro-batch with the seeds a single rank would give them.
     */
    public RolloutBatch generate(List<RlItem> items, int[] positions, long step, LoraAdapter adapter) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no prompts to roll out");
        }
        if (positions.length != items.size()) {
            throw new IllegalArgumentException(items.size() + " prompts but " + positions.length + " positions");
        }
        int g = options.groupSize();
        List<GenerationRequest> requests = new ArrayList<>(items.size() * g);
        List<int[]> prompts = new ArrayList<>(items.size());
        int[] stops = options.ignoreEos() ? null : new int[] {tokenizer.eosId()};
        for (int p = 0; p < items.size(); p++) {
            int[] prompt = promptTokens(items.get(p));
            prompts.add(prompt);
            for (int k = 0; k < g; k++) {
                Sampling s = Sampling.of(options.temperature(), options.topK(), options.topP(),
                        completionSeed(options.seed(), step, positions[p], k));
                requests.add(new GenerationRequest(prompt, options.maxCompletion(), s, stops, null));
            }
        }
        long t0 = System.nanoTime();
        List<GenerationResult> results = generator.generate(requests, adapter);
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<Rollout> rollouts = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            int[] ids = r.tokens();
            int textEnd = r.reason() == GenerationResult.StopReason.STOP_TOKEN ? ids.length - 1 : ids.length;
            String text = tokenizer.decode(Arrays.copyOf(ids, textEnd));
            rollouts.add(new Rollout(i / g, i % g, prompts.get(i / g), ids, text, r.reason()));
        }
        return new RolloutBatch(items, rollouts, seconds);
    }
}

package dev.lorapar.rl;

import dev.lorapar.train.TrainConfig;
import java.util.List;

/**
 * The settings of {@code lorapar grpo}: the machinery of {@link TrainConfig} (defaults, then {@code --config FILE}
 * JSON, then flags; every effective value printed at the start) over GRPO's own table, whose defaults are the method's
 * stage 2 (lora-par-method.md §5).
 */
public final class GrpoConfig {
    /** The settings and their defaults. */
    public static final TrainConfig.Keys KEYS = TrainConfig.Keys.empty()
            .addFromSft("model", "tokenizer", "train_data")
            .add("template", "llama2-chat", "prompt template: llama2-chat, plain or reference")
            .add("system_prompt", RolloutOptions.XML_SYSTEM_PROMPT.replace("\n", "\\n"),
                    "system instruction (\\n for new lines; empty = none; a record's own system prompt wins)")
            .add("max_prompt", "128", "prompt tokens kept (the end is kept)")
            .add("max_completion", "256", "new tokens per completion at most")
            .add("num_generations", "8", "G: completions per prompt")
            .add("prompts_per_step", "8", "prompts per generate call (one rollout micro-batch)")
            .addFromSft("grad_accumulation")
            .withDefault("grad_accumulation", "4")
            .add("temperature", "0.9", "sampling temperature")
            .add("top_k", "0", "sample among the k most likely tokens (0 = off)")
            .add("top_p", "1.0", "nucleus sampling mass (1 = off)")
            .add("ignore_eos", "false", "do not stop at EOS (every completion gets max_completion tokens)")
            .add("rewards", "gsm8k", "reward components: gsm8k, numeric, choice, code, contains (comma-separated)")
            .add("beta", "0.04", "KL coefficient (k3 estimator against the adapter-free base)")
            .add("inner_updates", "1", "μ: optimizer steps per batch of completions (> 1: PPO clipping)")
            .add("epsilon", "0.2", "PPO clipping ε (used when inner_updates > 1)")
            .add("train_rows", "16", "sequences per forward/backward pass")
            .addFromSft("epochs", "max_steps", "malformed", "lr", "schedule", "warmup_ratio", "min_lr_ratio",
                    "weight_decay", "beta1", "beta2", "eps", "max_grad_norm")
            .withDefault("lr", "5e-6").withDefault("warmup_ratio", "0.1").withDefault("weight_decay", "0.1")
            .withDefault("beta2", "0.99").withDefault("max_grad_norm", "0.1")
            .add("init_adapter", "", "starting adapter: a PEFT folder (stage 1 export) or an SFT checkpoint .lpck")
            .add("masks", "", "folder with lorapar_masks.safetensors/.json: the stage-2 mask (empty = train all)")
            .addFromSft("lora_r", "lora_alpha", "lora_targets", "lora_init", "lora_sigma")
            .withDefault("lora_alpha", "64")
            .addFromSft("seed", "device", "recompute", "output_dir", "checkpoint_every", "keep_checkpoints", "log_every",
                    "data_parallel", "world_size", "rank", "local_rank", "master_addr", "master_port",
                    "dist_timeout_s")
            .withDefault("output_dir", "runs/grpo").withDefault("checkpoint_every", "50").withDefault("log_every", "1");

    private GrpoConfig() {
    }

    /** Parses and checks {@code args} against {@link #KEYS}. */
    public static TrainConfig parse(String... args) {
        TrainConfig c = TrainConfig.parse(KEYS, args);
        for (String k : List.of("max_prompt", "max_completion", "prompts_per_step", "inner_updates", "train_rows")) {
            if (c.integer(k) < 1) {
                throw new IllegalArgumentException(k + " must be ≥ 1, got " + c.text(k));
            }
        }
        if (c.integer("num_generations") < 2) {
            throw new IllegalArgumentException("num_generations must be ≥ 2 (advantages compare within a group), got "
                    + c.text("num_generations"));
        }
        if (!(c.real("temperature") > 0)) {
            throw new IllegalArgumentException("temperature must be > 0 (GRPO samples), got " + c.text("temperature"));
        }
        if (c.integer("top_k") < 0 || !(c.real("top_p") > 0 && c.real("top_p") <= 1)) {
            throw new IllegalArgumentException("top_k must be ≥ 0 and top_p in (0, 1], got " + c.text("top_k") + ", "
                    + c.text("top_p"));
        }
        new GrpoLoss.Coefficients(c.real("beta"), c.real("epsilon"));
        c.bool("ignore_eos");
        RewardSet.parse(c.text("rewards"));
        return c;
    }

    /** The system instruction with {@code \n} escapes turned into new lines; null when empty. */
    static String systemPrompt(TrainConfig c) {
        String s = c.text("system_prompt").replace("\\n", "\n");
        return s.isBlank() ? null : s;
    }

    /** Usage text. */
    public static String help() {
        return TrainConfig.help(KEYS);
    }
}

package dev.lorapar.pipeline;

import dev.lorapar.dist.LaunchEnv;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.pipeline.score.ScoreRun;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.report.ProgressReporter;
import dev.lorapar.tokenizer.PromptFormat;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@code lorapar score}: Taylor importance of every LoRA element per system (see {@link ScoreRun}). Exit status 0
 * done, 2 bad settings or data, 1 anything else.
 */
public final class ScoreMain {
    private ScoreMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static CommandFlags flags() {
        return new CommandFlags("score")
                .key("model", null, "checkpoint: Hugging Face folder, llama2.c .bin or .gguf")
                .key("tokenizer", "", "tokenizer file; empty = next to the model")
                .key("classified", "", "folder of a classify stage: scores its s1.jsonl and s2.jsonl")
                .key("data", "", "instead of --classified: name=file pairs, one per system (e.g. s1=a.jsonl,s2=b.jsonl)")
                .key("samples", "100", "samples per system (batch 1 each)")
                .key("sample_seed", "0", "seed of the draw of samples")
                .key("max_length", "512", "tokens per sample after truncation")
                .key("template", "reference", "plain, reference (<s>{q}</s>{a}</s>) or llama2-chat")
                .key("lora_r", "8", "LoRA rank")
                .key("lora_alpha", "64", "LoRA alpha (scale alpha / r)")
                .key("lora_targets", "q_proj,k_proj,v_proj,gate_proj,up_proj,down_proj", "adapted projections (QKVGUD)")
                .key("lora_init", "gaussian", "gaussian (A and B ~ N(0, σ²), the method's default), peft, pissa, olora")
                .key("lora_sigma", "0.01", "σ of the gaussian init")
                .key("seed", "42", "seed of the LoRA init")
                .key("device", "auto", "cpu, cuda:N or auto")
                .key("data_parallel", "1", "ranks as threads of this process: CPU threads, or GPUs from --device on "
                        + "over NCCL; sample i is scored by rank i mod N and the sums are reduced")
                .key("world_size", "", "processes of a multi-process run (one per GPU, NCCL); empty = WORLD_SIZE or 1")
                .key("rank", "", "this process's rank; empty = RANK or 0")
                .key("local_rank", "", "this process's GPU; empty = LOCAL_RANK or the rank")
                .key("master_addr", "", "rank 0's rendezvous host; empty = MASTER_ADDR or 127.0.0.1")
                .key("master_port", "", "rank 0's rendezvous port; empty = MASTER_PORT or 29500")
                .key("dist_timeout_s", "600", "seconds a rank waits for the others before failing")
                .key("output_dir", "runs", "root folder; the stage writes into output_dir/score-<key>")
                .key("progress", "auto", "progress display: auto, terminal, plain, silent")
                .key("force", "false", "run even when an up-to-date result is there");
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return flags().execute(args, out, err, f -> ScoreRun.run(f.path("output_dir"), settings(f), out, err));
    }

    static ScoreRun.Settings settings(CommandFlags f) {
        List<ScoreRun.SystemData> systems = new ArrayList<>();
        if (f.isSet("classified") == f.isSet("data")) throw new IllegalArgumentException("give either --classified DIR or --data");
        if (f.isSet("classified")) {
            for (String s : new String[] {"s1", "s2"}) systems.add(new ScoreRun.SystemData(s, f.path("classified").resolve(s + ".jsonl")));
        } else {
            for (String pair : f.list("data")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) throw f.bad("data", "name=file pairs");
                systems.add(new ScoreRun.SystemData(pair.substring(0, eq), Path.of(pair.substring(eq + 1))));
            }
        }
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (String t : f.list("lora_targets")) targets.add(LoraTarget.parse(t));
        LoraInit init = RunSetup.init(f.text("lora_init"), f.real("lora_sigma"));
        PromptFormat template = RunSetup.template(f.text("template"));
        LoraConfig lora = new LoraConfig((int) f.integer("lora_r"), f.real("lora_alpha"), targets, init, f.integer("seed"));
        return new ScoreRun.Settings(f.path("model"), f.isSet("tokenizer") ? f.path("tokenizer") : null, systems,
                (int) f.integer("samples"), f.integer("sample_seed"), (int) f.integer("max_length"), template, lora,
                RunSetup.device(f.text("device")), f.bool("force"), ProgressReporter.Mode.parse(f.text("progress")),
                (int) f.integer("data_parallel"), Duration.ofMillis(Math.round(f.real("dist_timeout_s") * 1000)),
                LaunchEnv.resolve(f.values(), System.getenv()));
    }
}

package dev.lorapar.tests.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.cli.Lorapar;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftExport;
import dev.lorapar.train.export.PeftImport;
import dev.lorapar.rl.GrpoMain;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.train.report.MetricsLog;
import dev.lorapar.train.report.MetricsRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lorapar grpo} end to end on stories260K (CPU): settings, per-step metrics with every reward component, the
 * reward PNG, the PEFT export, and a resume from a checkpoint that equals the uninterrupted run (same metrics, the same
 * adapter bytes); bad settings exit 2 naming the setting.
 */
class GrpoMainTest {
    static final String DIR = "llama2c-stories260K/";

    static String[] args(Path data, Path out, String... more) throws IOException {
        List<String> a = new ArrayList<>(List.of("--model", SharedData.require(DIR + "stories260K.bin").toString(),
                "--tokenizer", SharedData.require(DIR + "tok512.bin").toString(), "--train_data", data.toString(),
                "--template", "plain", "--system_prompt", "", "--max_prompt", "24", "--max_completion", "8",
                "--num_generations", "4", "--prompts_per_step", "2", "--grad_accumulation", "2", "--rewards",
                "contains,gsm8k", "--lr", "2e-3", "--lora_alpha", "16", "--max_steps", "4", "--checkpoint_every", "2",
                "--device", "cpu", "--train_rows", "5", "--output_dir", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static Path data(Path dir) throws IOException {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, """
                {"question": "Once upon a time, there was a little girl named", "answer": "play with"}
                {"prompt": "One day, a boy went to the", "completion": "park"}
                {"question": "Lily and Tom", "answer": "friends"}
                not json
                """);
        return file;
    }

    static String run(String[] args, int status) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int got = GrpoMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8) + "\n--- stderr ---\n" + err.toString(StandardCharsets.UTF_8);
        assertEquals(status, got, text);
        return text;
    }

    @Test
    void runsLogsExportsAndResumesExactly(@TempDir Path dir) throws IOException {
        Path data = data(dir), out = dir.resolve("run");
        String log = run(args(data, out), 0);
        assertTrue(log.contains("num_generations    = 4"), "effective settings logged:\n" + log);
        assertTrue(log.contains("data: 3 prompts from 1 file(s), 1 malformed records skipped"), log);
        assertTrue(log.contains("step 4/4 reward"), log);
        assertTrue(log.contains("contains") && log.contains("xml_count"), log);
        assertTrue(Files.size(out.resolve("reward.png")) > 1000, "reward curve");
        assertTrue(Files.exists(out.resolve("adapter/adapter_model.safetensors")), "PEFT export");
        List<MetricsRecord> first = MetricsLog.read(out.resolve("metrics.jsonl")).records();
        assertEquals(4, first.size());
        for (String key : List.of("reward", "reward_std", "kl", "completion_length", "clip_fraction",
                "generation_tokens_per_s", "reward/contains", "reward/correctness", "reward/xml_count")) {
            assertTrue(first.getLast().extra().containsKey(key), key + " in " + first.getLast());
        }
        byte[] adapter = Files.readAllBytes(out.resolve("adapter/adapter_model.safetensors"));

        // as if killed after the checkpoint of step 2: the last checkpoint and the export are gone
        Files.delete(out.resolve("checkpoints/ckpt-4.lpck"));
        Files.delete(out.resolve("adapter/adapter_model.safetensors"));
        String resumed = run(args(data, out), 0);
        assertTrue(resumed.contains("starting at step 2 of 4"), resumed);
        List<MetricsRecord> second = MetricsLog.read(out.resolve("metrics.jsonl")).records();
        assertEquals(4, second.size());
        for (int i = 0; i < 4; i++) {
            for (String key : List.of("reward", "kl", "completion_length", "reward/contains")) {
                assertEquals(first.get(i).extra().get(key), second.get(i).extra().get(key), "step " + (i + 1) + " " + key);
            }
            assertEquals(first.get(i).loss(), second.get(i).loss(), "step " + (i + 1) + " loss");
            assertEquals(first.get(i).gradNorm(), second.get(i).gradNorm(), "step " + (i + 1) + " grad norm");
        }
        assertArrayEquals(adapter, Files.readAllBytes(out.resolve("adapter/adapter_model.safetensors")),
                "the resumed run ends with the same adapter");
    }

    /**
     * Stage 2 from a stage-1 PEFT export with masks: the run starts from its values, and in the exported result every
     * element outside the mask is bit-identical to the start (weight decay 0.1 on); an SFT-style checkpoint .lpck also
     * starts a run.
     */
    @Test
    void startsFromAPeftAdapterAndTrainsOnlyItsMask(@TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest("startsFromAPeftAdapterAndTrainsOnlyItsMask");
        Path stage1 = dir.resolve("stage1");
        List<float[]> start = new ArrayList<>();
        List<byte[]> maskBytes = new ArrayList<>();
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(DIR + "stories260K.bin"));
             Stream s = Stream.create(Device.CPU); LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter a = LoraAdapter.create(w, new LoraConfig(4, 16, EnumSet.of(LoraTarget.Q, LoraTarget.V,
                     LoraTarget.UP), new LoraInit.Gaussian(0.02), 3), s)) {
            List<Tensor> masks = new ArrayList<>();
            try {
                for (LoraPair p : a.pairs()) {
                    for (Tensor t : new Tensor[] {p.a(), p.b()}) {
                        byte[] m = rng.mask((int) t.numel(), Rng.MaskKind.RANDOM);
                        masks.add(Tensor.ofBytes(s, m, t.shape()));
                        maskBytes.add(m);
                        start.add(t.toFloatArray(s));
                    }
                    a.setMasks(p.layer(), p.target(), masks.get(masks.size() - 2), masks.getLast());
                }
                a.setMaskMode(MaskMode.GRADIENT);
                PeftExport.write(a, s, stage1, PeftExport.Options.of("stories260K"));
            } finally {
                masks.forEach(Tensor::close);
            }
            Path out = dir.resolve("stage2");
            String log = run(args(data(dir), out, "--init_adapter", stage1.toString(), "--masks", stage1.toString(),
                    "--max_steps", "2", "--weight_decay", "0.1"), 0);
            assertTrue(log.contains("PEFT adapter " + stage1 + " (r = 4, with its masks)"), log);
            assertTrue(log.contains("trained elements"), log);
            int k = 0, moved = 0;
            try (ImportedAdapter result = PeftImport.read(out.resolve("adapter"), w, s)) {
                for (LoraPair p : result.adapter().pairs()) {
                    for (Tensor t : new Tensor[] {p.a(), p.b()}) {
                        float[] now = t.toFloatArray(s);
                        for (int e = 0; e < now.length; e++) {
                            if (maskBytes.get(k)[e] == 0) {
                                assertEquals(Float.floatToRawIntBits(start.get(k)[e]), Float.floatToRawIntBits(now[e]),
                                        p.name() + " element " + e + " is outside the mask but moved " + rng.tag());
                            } else if (now[e] != start.get(k)[e]) {
                                moved++;
                            }
                        }
                        k++;
                    }
                }
            }
            assertTrue(moved > 0, "the masked-in elements train");
            // a checkpoint file as the starting adapter (lora_* settings must describe it)
            String fromCkpt = run(args(data(dir), dir.resolve("from-ckpt"), "--init_adapter",
                    out.resolve("checkpoints/ckpt-2.lpck").toString(), "--lora_r", "4", "--lora_targets",
                    "q_proj,v_proj,up_proj", "--max_steps", "1"), 0);
            assertTrue(fromCkpt.contains("adapter: checkpoint "), fromCkpt);
            assertTrue(run(args(data(dir), dir.resolve("bad-ckpt"), "--init_adapter",
                    out.resolve("checkpoints/ckpt-2.lpck").toString(), "--max_steps", "1"), 2)
                    .contains("q_proj.lora_A has shape [4, 64], the adapter [8, 64]"));
        }
    }

    @Test
    void helpAndBadSettings(@TempDir Path dir) throws IOException {
        String help = run(new String[] {"--help"}, 0);
        for (String key : List.of("num_generations", "max_completion", "beta", "inner_updates", "masks", "init_adapter")) {
            assertTrue(help.contains("--" + key), key + " in help");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertEquals(0, Lorapar.run(new String[] {"grpo", "--help"}, ps, ps), "the dispatcher finds the command");
        Path data = data(dir);
        assertTrue(run(args(data, dir.resolve("a"), "--num_generations", "1"), 2).contains("num_generations"));
        assertTrue(run(args(data, dir.resolve("b"), "--rewards", "gsm8k,nope"), 2).contains("unknown reward 'nope'"));
        assertTrue(run(args(data, dir.resolve("c"), "--group", "3"), 2).contains("unknown setting 'group'"));
        assertTrue(run(args(data, dir.resolve("d"), "--init_adapter", dir.resolve("missing").toString()), 2)
                .contains("neither a PEFT folder nor a checkpoint file"));
    }
}

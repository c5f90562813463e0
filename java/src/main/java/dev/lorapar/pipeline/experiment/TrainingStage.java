package dev.lorapar.pipeline.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.pipeline.stage.StageDir;
import dev.lorapar.pipeline.stage.StageKey;
import dev.lorapar.rl.GrpoMain;
import dev.lorapar.train.SftMain;
import dev.lorapar.train.export.PeftNames;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training stage of one arm: {@code lorapar sft} or {@code lorapar grpo} from a starting PEFT adapter, on a
 * data file, with an optional stage mask, into a stage folder keyed by all of those (contents, not paths) and the
 * stage's settings. A complete folder is reused; an interrupted one resumes from its own checkpoints (the commands
 * resume by themselves). The result is the folder's {@code adapter/} (PEFT, with the masks it trained under).
 */
final class TrainingStage {
    /** What one stage made; seconds = the training time when it ran (NaN for a stage cached before times were kept). */
    record Output(Path adapter, Path dir, boolean cached, double seconds) {
    }

    private TrainingStage() {
    }

    /**
     * @param kind     sft or grpo
     * @param section  the experiment's settings for that command (flags without the leading --)
     * @param modelSha the content hash of the model (hashed once per experiment)
     */
    static Output run(Experiment e, String modelSha, String kind, Map<String, String> section, Path data, Path init,
                      Path masks, Path root, PrintStream out, PrintStream err) throws IOException {
        StageKey key = StageKey.of(kind).fileHash("model", modelSha).file("data", data).file("init", init)
                .setting("device", e.device()).setting("seed", e.seed());
        if (masks != null) {
            key.file("masks", masks);
        } else {
            key.setting("masks", "none");
        }
        if (e.tokenizer() != null) {
            key.file("tokenizer", e.tokenizer());
        }
        section.forEach((k, v) -> key.setting("arg." + k, v));
        StageDir stage = StageDir.of(root, key);
        Path adapter = stage.dir().resolve("adapter");
        if (stage.complete()) {
            out.println("run: " + kind + " up to date in " + stage.dir() + ": skipped");
            JsonNode manifest = new ObjectMapper().readTree(stage.dir().resolve(StageDir.MANIFEST).toFile());
            return new Output(adapter, stage.dir(), true, manifest.path("summary").path("seconds").asDouble(Double.NaN));
        }
        stage.create();
        Map<String, String> fixed = new LinkedHashMap<>();
        fixed.put("model", e.model().toString());
        fixed.put("tokenizer", e.tokenizer() == null ? null : e.tokenizer().toString());
        fixed.put("train_data", data.toString());
        fixed.put("init_adapter", init.toString());
        fixed.put("masks", masks == null ? null : masks.toString());
        fixed.put("output_dir", stage.dir().toString());
        fixed.put("device", e.device());
        fixed.put("seed", Long.toString(e.seed()));
        String[] args = Experiment.args(section, fixed, kind).toArray(String[]::new);
        out.println("run: lorapar " + kind + " " + String.join(" ", args));
        long t0 = System.nanoTime();
        int status = kind.equals("sft") ? SftMain.run(args, out, err) : GrpoMain.run(args, out, err);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (status != 0) {
            throw new StageFailedException("lorapar " + kind + " exited with status " + status + " (its messages are "
                    + "above; the stage folder " + stage.dir() + " keeps its checkpoints: a rerun resumes)", status);
        }
        List<String> outputs = new ArrayList<>();
        for (String f : new String[] {PeftNames.CONFIG, PeftNames.WEIGHTS, PeftNames.MASKS, PeftNames.MASKS_DESCRIPTION,
                PeftNames.RESIDUAL_INIT}) {
            if (Files.exists(adapter.resolve(f))) {
                outputs.add("adapter/" + f);
            }
        }
        stage.finish(outputs, new ObjectMapper().createObjectNode().put("seconds", seconds));
        return new Output(adapter, stage.dir(), false, seconds);
    }
}

package dev.lorapar.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defaults < config file < flags; every effective value described with its origin; bad settings named. */
class TrainConfigTest {
    @Test
    void layersOverrideInOrder(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run.json");
        Files.writeString(file, """
                {"model": "m.bin", "train_data": "d.jsonl", "lr": 1e-4, "lora_targets": ["q_proj", "v_proj"],
                 "packing": true, "batch_size": 4}
                """);
        TrainConfig c = TrainConfig.parse("--config", file.toString(), "--batch-size", "16", "--seed=7");
        assertEquals("m.bin", c.text("model"));
        assertEquals(1e-4, c.real("lr"));
        assertEquals(16, c.integer("batch_size"), "a flag beats the file");
        assertEquals(7, c.integer("seed"));
        assertEquals(List.of("q_proj", "v_proj"), c.list("lora_targets"));
        assertTrue(c.bool("packing"));
        assertEquals(512, c.integer("max_length"), "default");
        String d = c.describe();
        assertTrue(d.contains("batch_size") && d.contains("(flag)") && d.contains("(run.json)") && d.contains("(default)"), d);
    }

    /** Another command's table (GRPO's): its own keys and defaults, SFT keys it does not take refused, SFT checks kept. */
    @Test
    void otherKeyTables() {
        TrainConfig.Keys keys = TrainConfig.Keys.empty().addFromSft("model", "lr", "epochs")
                .withDefault("lr", "5e-6").add("group", "8", "completions per prompt");
        TrainConfig c = TrainConfig.parse(keys, "--model", "m", "--group", "4");
        assertEquals(5e-6, c.real("lr"));
        assertEquals(4, c.integer("group"));
        assertEquals("1", c.text("epochs"));
        assertTrue(c.has("group") && !c.has("batch_size"));
        assertTrue(TrainConfig.help(keys).contains("--group"), TrainConfig.help(keys));
        assertMessage("unknown setting 'batch_size'", () -> TrainConfig.parse(keys, "--model", "m", "--batch_size", "2"));
        assertMessage("epochs must be ≥ 1", () -> TrainConfig.parse(keys, "--model", "m", "--epochs", "0"));
        assertMessage("no SFT setting 'group'", () -> TrainConfig.Keys.empty().addFromSft("group"));
        assertMessage("no setting 'nope' to change", () -> TrainConfig.Keys.sft().withDefault("nope", "1"));
        assertEquals(TrainConfig.help(), TrainConfig.help(TrainConfig.Keys.sft()), "sft() is the SFT table");
    }

    @Test
    void yamlFilesReadLikeJson(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, """
                # the method's stage-1 settings
                model: m.bin
                train_data: d.jsonl
                lr: 2.0e-4
                lora_targets: [q_proj, k_proj]
                packing: true
                """);
        TrainConfig c = TrainConfig.parse("--config", file.toString());
        assertEquals(2e-4, c.real("lr"));
        assertEquals(List.of("q_proj", "k_proj"), c.list("lora_targets"));
        assertTrue(c.bool("packing"));
        assertTrue(c.describe().contains("(run.yaml)"), c.describe());
        Path broken = dir.resolve("broken.yml");
        Files.writeString(broken, "model: m.bin\n  lr: [1, 2\n");
        assertMessage("broken.yml:", () -> TrainConfig.parse("--config", broken.toString()));
        Path list = dir.resolve("list.yaml");
        Files.writeString(list, "- a\n- b\n");
        assertMessage("must hold a YAML mapping", () -> TrainConfig.parse("--config", list.toString()));
    }

    @Test
    void badSettingsAreNamed(@TempDir Path dir) throws IOException {
        assertMessage("missing required setting 'model'", () -> TrainConfig.parse("--train-data", "x"));
        assertMessage("unknown setting 'lerning_rate'", () -> TrainConfig.parse("--model", "m", "--train_data", "d",
                "--lerning_rate", "1"));
        assertMessage("batch_size must be an integer", () -> TrainConfig.parse("--model", "m", "--train_data", "d",
                "--batch_size", "eight"));
        assertMessage("eval_fraction must be in [0, 1)", () -> TrainConfig.parse("--model", "m", "--train_data", "d",
                "--eval_fraction", "1.5"));
        assertMessage("unknown schedule 'triangle'", () -> TrainConfig.parse("--model", "m", "--train_data", "d",
                "--schedule", "triangle"));
        assertMessage("--lr needs a value", () -> TrainConfig.parse("--model", "m", "--lr"));
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "[1, 2]");
        assertMessage("must hold a JSON object", () -> TrainConfig.parse("--config", bad.toString()));
        assertMessage("cannot read config file", () -> TrainConfig.parse("--config", dir.resolve("none.json").toString()));
        assertTrue(TrainConfig.help().contains("--lora_r"));
    }

    static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(fragment), "'" + x.getMessage() + "' lacks '" + fragment + "'");
    }
}

package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.cli.Lorapar;
import dev.lorapar.pipeline.score.ImportanceMatrix;
import dev.lorapar.pipeline.score.ImportanceScores;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands' help and usage errors, and importance files: round trip and bad contents named. */
class PipelineInputsTest {
    static String[] lorapar(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Lorapar.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void commandsHaveHelpAndNameBadSettings(@TempDir Path dir) throws IOException {
        for (String cmd : List.of("classify", "score", "partition")) {
            String[] help = lorapar(cmd, "--help");
            assertEquals("0", help[0], cmd);
            assertTrue(help[1].startsWith("usage: lorapar " + cmd), help[1]);
            String[] bad = lorapar(cmd, "--no_such_setting", "1");
            assertEquals("2", bad[0], cmd + bad[2]);
            assertTrue(bad[2].contains("unknown setting 'no_such_setting'"), bad[2]);
        }
        String[] noData = lorapar("classify", "--voters", "steps");
        assertTrue(noData[2].contains("missing --data"), noData[2]);
        Path cfg = Files.writeString(dir.resolve("t.json"), "[{\"name\": \"x\", \"type\": \"openai\", \"base_url\": "
                + "\"http://127.0.0.1:9\", \"model\": \"m\", \"temprature\": 0}]");
        Path data = Files.writeString(dir.resolve("d.jsonl"), "{\"question\": \"q\", \"answer\": \"a\"}\n");
        String[] typo = lorapar("classify", "--data", data.toString(), "--teachers", cfg.toString(), "--output_dir",
                dir.toString());
        assertEquals("2", typo[0]);
        assertTrue(typo[2].contains("voter 0") && typo[2].contains("temprature"), typo[2]);
        Path cfgKey = Files.writeString(dir.resolve("k.json"), "[{\"name\": \"x\", \"type\": \"openai\", \"base_url\": "
                + "\"http://127.0.0.1:9\", \"model\": \"m\", \"api_key_env\": \"LORAPAR_TEST_SURELY_UNSET_KEY\"}]");
        String[] key = lorapar("classify", "--data", data.toString(), "--teachers", cfgKey.toString(), "--output_dir",
                dir.toString());
        assertTrue(key[2].contains("LORAPAR_TEST_SURELY_UNSET_KEY"), key[2]);
        String[] theta = lorapar("partition", "--importance", "a,b", "--theta", "ninety");
        assertEquals("2", theta[0]);
        String[] both = lorapar("score", "--model", "m.bin");
        assertTrue(both[2].contains("--classified") && both[2].contains("--data"), both[2]);
    }

    @Test
    void importanceFilesRoundTripAndBadOnesAreNamed(@TempDir Path dir) throws IOException {
        List<ImportanceMatrix> m = List.of(ImportanceMatrix.of("base_model.model.model.layers.3.mlp.up_proj.lora_A.weight", 2, 3, 0),
                ImportanceMatrix.of("base_model.model.model.layers.3.mlp.up_proj.lora_B.weight", 5, 2, 6));
        float[] v = new float[16];
        for (int i = 0; i < v.length; i++) v[i] = i * 0.25f;
        Path f = dir.resolve("imp.safetensors");
        new ImportanceScores("s1", m, v, 9).write(f);
        ImportanceScores back = ImportanceScores.read(f, "s1", 9);
        assertArrayEquals(v, back.values());
        assertEquals(m, back.matrices());
        assertEquals(3, back.matrices().get(1).layer());
        assertEquals("base_model.model.model.layers.3.mlp.up_proj.lora_B.mask", back.matrices().get(1).maskName());

        v[7] = -1;
        new ImportanceScores("s1", m, v, 9).write(f);
        var neg = assertThrows(IllegalArgumentException.class, () -> ImportanceScores.read(f, "s1", 9));
        assertTrue(neg.getMessage().contains("imp.safetensors") && neg.getMessage().contains("element 7"), neg.getMessage());
        var name = assertThrows(IllegalArgumentException.class, () -> ImportanceMatrix.of("model.layers.0.q.weight", 1, 1, 0));
        assertTrue(name.getMessage().contains("model.layers.0.q.weight"), name.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ImportanceScores("s1", m, new float[15], 1));
    }
}

package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.core.Device;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.pipeline.PartitionMain;
import dev.lorapar.pipeline.partition.PartitionPlots;
import dev.lorapar.pipeline.partition.PartitionRun;
import dev.lorapar.pipeline.partition.StageMasks;
import dev.lorapar.pipeline.score.ImportanceMatrix;
import dev.lorapar.pipeline.score.ImportanceScores;
import dev.lorapar.pipeline.stage.StageDir;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.PeftNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition stage end to end: importance files of several matrices of odd shapes → flat selection over all
 * matrices together (equal to the plain reference on the concatenated vector), masks in the adapter mask format read
 * back, statistics (counts, Jaccard, per-module / per-layer sums), PNGs; a rerun with the same inputs is skipped and
 * another θ gives another folder.
 */
class PartitionRunTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Two layers × {q, v, down} of rank 3 with odd in/out sizes, A then B, values dyadic. */
    static List<ImportanceMatrix> layout() {
        List<ImportanceMatrix> m = new ArrayList<>();
        long off = 0;
        int[][] shapes = {{3, 13}, {13, 3}, {3, 13}, {7, 3}, {3, 29}, {13, 3}};
        LoraTarget[] targets = {LoraTarget.Q, LoraTarget.V, LoraTarget.DOWN};
        for (int l = 0; l < 2; l++) {
            for (int t = 0; t < 3; t++) {
                for (int ab = 0; ab < 2; ab++) {
                    int[] s = shapes[t * 2 + ab];
                    String name = ab == 0 ? PeftNames.loraA(l, targets[t]) : PeftNames.loraB(l, targets[t]);
                    m.add(ImportanceMatrix.of(name, s[0], s[1], off));
                    off += (long) s[0] * s[1];
                }
            }
        }
        return m;
    }

    static Path writeScores(Path dir, String system, List<ImportanceMatrix> layout, float[] values) throws IOException {
        Path f = dir.resolve("importance-" + system + ".safetensors");
        new ImportanceScores(system, layout, values, 5).write(f);
        return f;
    }

    @Test
    void stageMatchesReferenceAndIsCached(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        List<ImportanceMatrix> layout = layout();
        int n = (int) (layout.getLast().offset() + layout.getLast().elements());
        float[] i1 = PartitionerTest.dyadic(rng, n, 0, 4000), i2 = PartitionerTest.dyadic(rng, n, 0, 4000);
        for (int i = 0; i < n; i += 7) i2[i] = i1[i]; // some exact ties across systems
        List<PartitionRun.Input> inputs = List.of(new PartitionRun.Input("s1", writeScores(dir, "s1", layout, i1)),
                new PartitionRun.Input("s2", writeScores(dir, "s2", layout, i2)));
        Path root = dir.resolve("runs");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        StageDir stage = PartitionRun.run(root, inputs, 0.9, new double[] {1, 0.5}, Device.CPU, false, out);

        byte[][] sets = {PlainPartitionRef.select(i1, 0.9), PlainPartitionRef.select(i2, 0.9)};
        byte[][] stages = PlainPartitionRef.stages(new float[][] {i1, i2}, sets, new double[] {1, 0.5});
        assertArrayEquals(stages[0], StageMasks.read(stage.dir().resolve("masks/s1"), layout), "stage-1 mask " + rng.tag());
        assertArrayEquals(stages[1], StageMasks.read(stage.dir().resolve("masks/s2"), layout), "stage-2 mask " + rng.tag());

        JsonNode stats = JSON.readTree(stage.dir().resolve(PartitionRun.STATS).toFile());
        long s1only = 0, s2only = 0, shared = 0, union = 0, anyStage = 0;
        for (int i = 0; i < n; i++) {
            boolean a = sets[0][i] != 0, b = sets[1][i] != 0;
            if (a && !b) s1only++;
            if (b && !a) s2only++;
            if (a && b) shared++;
            if (a || b) union++;
            if (stages[0][i] != 0 || stages[1][i] != 0) anyStage++;
        }
        assertEquals(n, stats.get("elements").asLong());
        assertEquals(s1only, stats.get("s1_only").asLong());
        assertEquals(s2only, stats.get("s2_only").asLong());
        assertEquals(shared, stats.get("shared").asLong());
        assertEquals((double) shared / union, stats.get("jaccard_s1_s2").asDouble(), 1e-12);
        assertEquals(anyStage, stats.get("trained_any_stage").asLong());
        assertEquals(100.0 * anyStage / n, stats.get("trained_percent").asDouble(), 1e-9);
        assertEquals(s1only + (long) Math.floor(1.0 * shared), stats.at("/systems/0/stage").asLong());
        assertEquals(s2only + (long) Math.floor(0.5 * shared), stats.at("/systems/1/stage").asLong());
        long moduleSum = 0, layerSum = 0, moduleElements = 0;
        for (JsonNode m : stats.get("per_module")) {
            moduleSum += m.at("/stage_active/s1").asLong();
            moduleElements += m.get("elements").asLong();
        }
        for (JsonNode l : stats.get("per_layer")) layerSum += l.at("/stage_active/s1").asLong();
        assertEquals(n, moduleElements);
        assertEquals(PartitionerTest.count(stages[0]), moduleSum);
        assertEquals(PartitionerTest.count(stages[0]), layerSum);
        // q_proj of layer 0 only: matrices 0 and 1
        long q = 0;
        for (int i = 0; i < 3 * 13 + 13 * 3; i++) q += stages[0][i];
        long q1 = 0;
        for (int i = 0; i < layout.size(); i++) {
            ImportanceMatrix m = layout.get(i);
            if (m.target() == LoraTarget.Q && m.layer() == 1) {
                for (long j = m.offset(); j < m.offset() + m.elements(); j++) q1 += stages[0][(int) j];
            }
        }
        assertEquals(q + q1, stats.at("/per_module/q_proj/stage_active/s1").asLong());

        for (String png : List.of(PartitionPlots.SCATTER, PartitionPlots.CUMULATIVE, "heatmap-s1.png", "heatmap-s2.png")) {
            byte[] bytes = Files.readAllBytes(stage.dir().resolve(png));
            assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', png);
        }
        assertTrue(stage.complete());

        // same inputs: skipped; another θ: another folder, the first one kept
        log.reset();
        StageDir again = PartitionRun.run(root, inputs, 0.9, new double[] {1, 0.5}, Device.CPU, false, out);
        assertEquals(stage.dir(), again.dir());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("skipped"), log.toString(StandardCharsets.UTF_8));
        StageDir other = PartitionRun.run(root, inputs, 0.5, new double[] {1, 0.5}, Device.CPU, false, out);
        assertNotEquals(stage.dir(), other.dir());
        assertTrue(other.complete() && stage.complete());
        assertArrayEquals(PlainPartitionRef.stages(new float[][] {i1, i2}, new byte[][] {PlainPartitionRef.select(i1, 0.5),
                PlainPartitionRef.select(i2, 0.5)}, new double[] {1, 0.5})[0], StageMasks.read(other.dir().resolve("masks/s1"), layout));
    }

    @Test
    void commandLineThreeSystems(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        List<ImportanceMatrix> layout = layout();
        int n = (int) (layout.getLast().offset() + layout.getLast().elements());
        float[][] imp = new float[3][];
        List<String> files = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            imp[k] = PartitionerTest.dyadic(rng, n, 0, 999);
            files.add(writeScores(dir, "sys" + k, layout, imp[k]).toString());
        }
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int status = PartitionMain.run(new String[] {"--importance", String.join(",", files), "--systems", "a,b,c",
                "--theta", "0.8", "--shares", "1,0.5,0", "--device", "cpu", "--output_dir", dir.resolve("runs").toString()},
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        assertEquals(0, status, e.toString(StandardCharsets.UTF_8));
        Path stageDir;
        try (var s = Files.list(dir.resolve("runs"))) {
            stageDir = s.filter(p -> p.getFileName().toString().startsWith("partition-")).findFirst().orElseThrow();
        }
        byte[][] sets = new byte[3][];
        for (int k = 0; k < 3; k++) sets[k] = PlainPartitionRef.select(imp[k], 0.8);
        byte[][] stages = PlainPartitionRef.stages(imp, sets, new double[] {1, 0.5, 0});
        String[] names = {"a", "b", "c"};
        for (int k = 0; k < 3; k++) {
            assertArrayEquals(stages[k], StageMasks.read(stageDir.resolve("masks").resolve(names[k]), layout), names[k] + rng.tag());
        }
        // bad flags are usage errors naming the problem
        int bad = PartitionMain.run(new String[] {"--importance", String.join(",", files), "--theta", "0.8"},
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        assertEquals(2, bad);
        assertTrue(e.toString(StandardCharsets.UTF_8).contains("shares"), e.toString(StandardCharsets.UTF_8));
    }
}

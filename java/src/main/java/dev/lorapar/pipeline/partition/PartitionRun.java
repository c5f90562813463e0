package dev.lorapar.pipeline.partition;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.pipeline.score.ImportanceScores;
import dev.lorapar.pipeline.stage.StageDir;
import dev.lorapar.pipeline.stage.StageKey;
import dev.lorapar.train.export.AtomicFiles;
import dev.lorapar.train.export.PeftNames;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The partition stage: K importance files → K stage masks, statistics and plots in a {@link StageDir} keyed by the
 * importance files' contents, θ and the shares. Layout of the folder: {@code masks/<system>/} (the mask format of
 * {@link StageMasks}), {@value #STATS} ({@link PartitionStats}), the PNGs of {@link PartitionPlots}, then
 * {@code manifest.json}.
 */
public final class PartitionRun {
    public static final String STATS = "partition.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PartitionRun() {
    }

    /** One system's input: its name and importance file. */
    public record Input(String system, Path importance) {
    }

    /** The stage's key: importance contents by system, θ, the shares. */
    public static StageKey key(List<Input> inputs, double theta, double[] shares) throws IOException {
        StageKey key = StageKey.of("partition");
        StringBuilder order = new StringBuilder();
        for (Input in : inputs) {
            key.file("importance." + in.system(), in.importance());
            order.append(order.isEmpty() ? "" : ",").append(in.system());
        }
        key.setting("systems", order).setting("theta", theta);
        StringBuilder s = new StringBuilder();
        for (double d : shares) s.append(s.isEmpty() ? "" : ",").append(d);
        return key.setting("shares", s);
    }

    /** Runs the stage under {@code root} unless a complete folder for the same key is there; returns the folder. */
    public static StageDir run(Path root, List<Input> inputs, double theta, double[] shares, Device device,
                               boolean force, PrintStream log) throws IOException {
        if (inputs.size() < 2) throw new IllegalArgumentException("partition needs at least two systems' importance");
        for (Input in : inputs) {
            if (!in.system().matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("system name '" + in.system() + "' must be letters, digits, '-' or '_'");
            }
        }
        StageDir stage = StageDir.of(root, key(inputs, theta, shares));
        if (!force && stage.complete()) {
            log.println("partition: up to date in " + stage.dir() + " (same importance, θ and shares): skipped");
            return stage;
        }
        Path dir = stage.create();
        List<ImportanceScores> scores = new ArrayList<>();
        for (Input in : inputs) {
            ImportanceScores s = ImportanceScores.read(in.importance(), in.system(), 0);
            if (!scores.isEmpty()) scores.getFirst().requireSameLayout(s);
            scores.add(s);
        }
        float[][] importance = new float[scores.size()][];
        List<String> systems = new ArrayList<>();
        for (int k = 0; k < scores.size(); k++) {
            importance[k] = scores.get(k).values();
            systems.add(scores.get(k).system());
        }
        long t0 = System.nanoTime();
        Partition p;
        try (Stream stream = Stream.create(device)) {
            p = Partitioner.partition(stream, importance, theta, shares, false);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        var matrices = scores.getFirst().matrices();
        List<String> outputs = new ArrayList<>();
        for (int k = 0; k < systems.size(); k++) {
            Path maskDir = dir.resolve("masks").resolve(systems.get(k));
            StageMasks.write(maskDir, matrices, p.stages()[k]);
            outputs.add("masks/" + systems.get(k) + "/" + PeftNames.MASKS);
            outputs.add("masks/" + systems.get(k) + "/" + PeftNames.MASKS_DESCRIPTION);
        }
        ObjectNode stats = PartitionStats.json(p, matrices, systems, theta, shares);
        stats.put("seconds", seconds);
        AtomicFiles.writeString(dir.resolve(STATS), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(stats));
        outputs.add(STATS);
        outputs.addAll(PartitionPlots.write(dir, p, importance, matrices, systems, theta));
        stage.finish(outputs, null);
        log.printf("partition: %d elements, θ = %s, %.3f s on %s%n", p.elements(), theta, seconds, device);
        for (int k = 0; k < systems.size(); k++) {
            log.printf("  %-10s set %d (%.2f%%)  only %d  shared %d  stage mask %d (%.2f%%)%n", systems.get(k),
                    p.setSizes()[k], PartitionStats.percent(p.setSizes()[k], p.elements()), p.onlySizes()[k],
                    p.sharedSizes()[k], p.stageSizes()[k], PartitionStats.percent(p.stageSizes()[k], p.elements()));
        }
        log.printf("  trained in some stage: %d (%.2f%% of LoRA elements); Jaccard(%s, %s) = %.4f%n", p.trainedAnywhere(),
                PartitionStats.percent(p.trainedAnywhere(), p.elements()), systems.get(0), systems.get(1), p.jaccard(0, 1));
        log.println("  outputs in " + dir);
        return stage;
    }
}

package dev.lorapar.pipeline.experiment;

import dev.lorapar.pipeline.partition.StageMasks;
import dev.lorapar.pipeline.score.ImportanceMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The random-subset baseline: a mask with exactly as many active elements as a given (LoRA-PAR) stage mask, drawn
 * uniformly without replacement over all LoRA elements (partial Fisher–Yates, seeded), written in the same format.
 */
public final class RandomMasks {
    private RandomMasks() {
    }

    /** The flat mask [n] with {@code active} ones at seeded uniformly random positions. */
    public static byte[] draw(int n, int active, long seed) {
        if (active < 0 || active > n) {
            throw new IllegalArgumentException("active " + active + " outside [0, " + n + "]");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        byte[] mask = new byte[n];
        for (int i = 0; i < active; i++) {
            int j = i + random.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
            mask[order[i]] = 1;
        }
        return mask;
    }

    /** Writes into {@code dir} a random mask of the size of the mask in {@code like} (laid out as {@code matrices}). */
    public static void writeLike(Path like, List<ImportanceMatrix> matrices, long seed, Path dir) throws IOException {
        byte[] reference = StageMasks.read(like, matrices);
        int active = 0;
        for (byte b : reference) {
            active += b != 0 ? 1 : 0;
        }
        StageMasks.write(dir, matrices, draw(reference.length, active, seed));
    }
}

package dev.lorapar.tests.train.checkpoint;

import dev.lorapar.train.checkpoint.CheckpointStore;
import dev.lorapar.train.checkpoint.LoadResult;
import dev.lorapar.train.checkpoint.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A deterministic toy "training" program for the kill tests, run in a child JVM by {@link KillResumeHarness}:
 * masked Adam on a least-squares problem whose batches come from a seeded splitmix64 generator, the whole
 * state (weights, both moments, mask, RNG state, step) checkpointed every {@code --every} steps and at the end.
 * It resumes from {@link CheckpointStore#loadLatest()} when the directory holds a checkpoint.
 *
 * <p>Arguments: {@code --dir D --steps N --every K --size S --seed X [--step-ms T] [--stall-ms M]
 * [--forget-rng true]}; {@code --forget-rng} re-seeds the batch generator on resume, a deliberate resume bug the
 * harness must catch; with
 * {@code --stall-ms} each save pauses M ms after its first block reached the temporary file, after printing
 * {@code WRITING <step>}, so a kill can be aimed into the middle of a write. Output, one line each, flushed:
 * {@code SKIPPED <why>}, {@code FRESH} or {@code RESUMED <step>}, {@code LOSS <step> <float bits hex> <loss>},
 * {@code SAVING <step>}, {@code WRITING <step>}, {@code SAVED <step>}, and finally {@code DONE <steps> <crc>}.
 */
public final class ToyTrainer {
    private static final int BATCH = 4;
    private static final float LR = 1e-2f;
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-8f;

    private ToyTrainer() {
    }

    public static void main(String[] argv) throws IOException, InterruptedException {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) a.put(argv[i], argv[i + 1]);
        Path dir = Path.of(a.get("--dir"));
        long steps = Long.parseLong(a.get("--steps"));
        long every = Long.parseLong(a.get("--every"));
        int size = Integer.parseInt(a.get("--size"));
        long seed = Long.parseLong(a.get("--seed"));
        long stepMs = Long.parseLong(a.getOrDefault("--step-ms", "0"));
        long stallMs = Long.parseLong(a.getOrDefault("--stall-ms", "0"));
        boolean forgetRng = Boolean.parseBoolean(a.getOrDefault("--forget-rng", "false")); // a resume bug, on purpose
        String config = "{\"toy\":\"masked-adam-least-squares\",\"size\":" + size + ",\"seed\":" + seed
                + ",\"batch\":" + BATCH + ",\"lr\":" + LR + "}";

        // parsed up front, as a trainer does (and Jackson is loaded before the first save, not during it)
        String canonicalConfig = TrainingState.builder(0).config(config).build().configJson();
        long[] saving = {-1};
        boolean[] stalled = {false};
        CheckpointStore store = new CheckpointStore(dir, 2).withProgress((done, total) -> {
            if (stallMs > 0 && !stalled[0] && done < total) {
                stalled[0] = true;
                say("WRITING " + saving[0]);
                sleep(stallMs);
            }
        });

        LoadResult loaded = store.loadLatest();
        for (LoadResult.Skipped s : loaded.skipped()) say("SKIPPED " + s);
        Toy toy;
        if (loaded.found()) {
            TrainingState s = loaded.state().orElseThrow();
            if (!s.configJson().equals(canonicalConfig)) {
                throw new IllegalStateException("checkpoint config " + s.configJson() + " is not this run's " + config);
            }
            toy = Toy.from(s);
            if (forgetRng) toy.rng[0] = seed;
            say("RESUMED " + toy.step);
        } else {
            toy = Toy.fresh(size, seed);
            say("FRESH");
        }
        while (toy.step < steps) {
            float loss = toy.train();
            say("LOSS " + toy.step + " " + Integer.toHexString(Float.floatToRawIntBits(loss)) + " " + loss);
            if (toy.step % every == 0 || toy.step == steps) {
                say("SAVING " + toy.step);
                saving[0] = toy.step;
                stalled[0] = false;
                store.save(toy.state(config));
                say("SAVED " + toy.step);
            }
            sleep(stepMs);
        }
        say("DONE " + toy.step + " " + Long.toHexString(toy.crc()));
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void sleep(long ms) {
        if (ms <= 0) return;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The training state: weights w, Adam moments m and v, a fixed mask, the RNG state, the step. */
    private static final class Toy {
        final float[] w;
        final float[] m;
        final float[] v;
        final byte[] mask;
        final long[] rng; // [0]: splitmix64 state
        long step;

        private Toy(float[] w, float[] m, float[] v, byte[] mask, long[] rng, long step) {
            this.w = w;
            this.m = m;
            this.v = v;
            this.mask = mask;
            this.rng = rng;
            this.step = step;
        }

        static Toy fresh(int size, long seed) {
            long[] rng = {seed};
            float[] w = new float[size];
            byte[] mask = new byte[size];
            for (int i = 0; i < size; i++) {
                w[i] = uniform(rng) * 0.1f;
                mask[i] = (byte) ((next(rng) & 3) != 0 ? 1 : 0); // ≈ 3/4 trainable
            }
            return new Toy(w, new float[size], new float[size], mask, rng, 0);
        }

        static Toy from(TrainingState s) {
            return new Toy(s.floats("w"), s.floats("adam.m"), s.floats("adam.v"), s.bytes("mask"),
                    s.longs("rng"), s.step());
        }

        TrainingState state(String config) {
            return TrainingState.builder(step).config(config).scalar("epoch", step / 10)
                    .floats("w", w).floats("adam.m", m).floats("adam.v", v).bytes("mask", mask).longs("rng", rng)
                    .build();
        }

        /** One step on a fresh batch; returns the batch's mean loss. */
        float train() {
            int n = w.length;
            float[] grad = new float[n];
            float[] x = new float[n];
            float lossSum = 0f;
            for (int b = 0; b < BATCH; b++) {
                float pred = 0f;
                float target = 0f;
                for (int i = 0; i < n; i++) {
                    x[i] = uniform(rng);
                    pred += w[i] * x[i];
                    target += teacher(i) * x[i];
                }
                float err = pred - target;
                lossSum += 0.5f * err * err;
                for (int i = 0; i < n; i++) grad[i] += err * x[i] / BATCH;
            }
            step++;
            float c1 = 1f - (float) Math.pow(BETA1, step);
            float c2 = 1f - (float) Math.pow(BETA2, step);
            for (int i = 0; i < n; i++) {
                if (mask[i] == 0) continue;
                m[i] = BETA1 * m[i] + (1 - BETA1) * grad[i];
                v[i] = BETA2 * v[i] + (1 - BETA2) * grad[i] * grad[i];
                w[i] -= LR * (m[i] / c1) / ((float) Math.sqrt(v[i] / c2) + EPS);
            }
            return lossSum / BATCH;
        }

        long crc() {
            CRC32C c = new CRC32C();
            for (float f : w) {
                int bits = Float.floatToRawIntBits(f);
                c.update(new byte[] {(byte) bits, (byte) (bits >> 8), (byte) (bits >> 16), (byte) (bits >> 24)});
            }
            return c.getValue();
        }

        private static float teacher(int i) {
            return ((i * 37) % 17 - 8) / 8f;
        }

        private static long next(long[] s) { // splitmix64
            long z = (s[0] += 0x9e3779b97f4a7c15L);
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }

        private static float uniform(long[] s) { // [-1, 1)
            return (next(s) >>> 40) * 0x1.0p-23f - 1f;
        }
    }
}

package dev.lorapar.tests.train.checkpoint;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.checkpoint.TrainingState;

/** Random training states for the checkpoint tests: every element type, odd sizes, shapes, NaN payloads. */
final class RandomStates {
    private RandomStates() {
    }

    /**
     * A state with arrays of every type, about {@code maxElements} elements each at most (some empty, some of
     * odd byte lengths so later arrays start unaligned), scalars and a nested config.
     */
    static TrainingState random(Rng rng, long step, int maxElements) {
        TrainingState.Builder b = TrainingState.builder(step)
                .config("{\"model\":\"tiny\",\"lr\":" + rng.nextDouble() + ",\"seed\":" + rng.nextLong()
                        + ",\"targets\":[\"q_proj\",\"v_proj\"],\"nested\":{\"warmup\":0.03,\"ok\":true,\"none\":null}}")
                .scalar("epoch", rng.nextInt(100))
                .scalar("batch_in_epoch", rng.nextLong())
                .scalar("tokens_seen", Long.MIN_VALUE);
        int r = rng.between(1, 4);
        int in = rng.between(1, Math.max(1, maxElements / r));
        float[] a = rng.uniform(r * in, -1f, 1f);
        if (a.length > 2) {
            a[0] = Float.intBitsToFloat(0x7fc01234); // a NaN with a payload: must come back bit-exact
            a[1] = -0.0f;
            a[2] = Float.NEGATIVE_INFINITY;
        }
        b.floats("lora.layers.0.q_proj.A", a, r, in);
        b.bytes("mask.layers.0.q_proj.A", rng.mask(r * in, Rng.MaskKind.RANDOM), r, in);
        b.floats("adam.m.layers.0.q_proj.A", rng.gaussian(r * in, 1e-3), r, in);
        b.bytes("odd.bytes", rng.mask(rng.between(1, 7), Rng.MaskKind.RANDOM)); // unaligns what follows
        b.floats("adam.v.layers.0.q_proj.A", rng.uniform(r * in, 0f, 1e-6f), r, in);
        int[] ints = new int[rng.between(0, maxElements)];
        for (int i = 0; i < ints.length; i++) ints[i] = (int) rng.nextLong();
        b.ints("data.order", ints);
        long[] rngState = {rng.nextLong(), rng.nextLong(), Long.MAX_VALUE, -1L};
        b.longs("rng.dropout", rngState, 2, 2);
        b.floats("empty", new float[0], 0, 5);
        b.floats("loss_scale", new float[] {65536f});
        return b.build();
    }
}

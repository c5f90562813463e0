package dev.lorapar.train;

import dev.lorapar.train.checkpoint.TrainingState;
import dev.lorapar.train.data.DataPosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint of an SFT run holds and how it maps onto {@link TrainingState}: the optimizer (masters, both
 * moments, step count), the data position of the next batch, the data plan's fingerprint (a resume on other data or
 * options is refused) and the effective configuration.
 */
public final class RunState {
    private RunState() {
    }

    public static TrainingState capture(MaskedAdamW optimizer, DataPosition next, long fingerprint, Map<String, String> config) {
        MaskedAdamW.State s = optimizer.state();
        TrainingState.Builder b = TrainingState.builder(s.step())
                .config(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(config))
                .scalar("data_epoch", next.epoch()).scalar("data_batch", next.batch())
                .scalar("data_fingerprint", fingerprint).scalar("params", s.masters().size());
        List<MaskedAdamW.Param> params = optimizer.params();
        for (int i = 0; i < params.size(); i++) {
            long[] shape = params.get(i).target().shape();
            String name = params.get(i).name();
            b.floats("master/" + name, s.masters().get(i), shape);
            b.floats("exp_avg/" + name, s.expAvg().get(i), shape);
            b.floats("exp_avg_sq/" + name, s.expAvgSq().get(i), shape);
        }
        return b.build();
    }

    /** Restores the optimizer (and through it the model's trained tensors); returns the next data position. */
    public static DataPosition restore(TrainingState state, MaskedAdamW optimizer, long fingerprint) {
        if (state.scalar("data_fingerprint") != fingerprint) {
            throw new IllegalStateException("the checkpoint was made with other data, data options or seed (data "
                    + "fingerprint " + Long.toHexString(state.scalar("data_fingerprint")) + ", this run "
                    + Long.toHexString(fingerprint) + "): use another output_dir or the same data and settings");
        }
        List<MaskedAdamW.Param> params = optimizer.params();
        if (state.scalar("params") != params.size()) {
            throw new IllegalStateException("the checkpoint holds " + state.scalar("params") + " trained tensors, "
                    + "this run " + params.size() + " (another LoRA or fine-tuning setup)");
        }
        List<float[]> masters = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
        for (MaskedAdamW.Param p : params) {
            String name = p.name();
            if (!state.hasArray("master/" + name)) {
                throw new IllegalStateException("the checkpoint has no state for " + name);
            }
            masters.add(state.floats("master/" + name));
            m.add(state.floats("exp_avg/" + name));
            v.add(state.floats("exp_avg_sq/" + name));
        }
        optimizer.load(new MaskedAdamW.State(state.step(), masters, m, v));
        return new DataPosition((int) state.scalar("data_epoch"), (int) state.scalar("data_batch"));
    }
}

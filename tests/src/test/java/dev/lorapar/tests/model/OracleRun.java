package dev.lorapar.tests.model;

import dev.lorapar.core.DType;
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
import dev.lorapar.tests.oracle.LoraKey;
import dev.lorapar.tests.oracle.OracleCheckpoints;
import dev.lorapar.tests.oracle.OracleModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Puts an {@link OracleModel} onto lorapar: its base weights through a Hugging Face folder and the loader (as a user
 * would load them), its LoRA matrices and masks copied into a {@link LoraAdapter}. Owns what it made.
 */
public final class OracleRun implements AutoCloseable {
    public final LlamaWeights weights;
    public final LoraAdapter adapter; // null when the oracle model has no LoRA
    private final List<Tensor> masks = new ArrayList<>();

    public OracleRun(OracleModel model, Path dir, Stream stream, DType dtype, MaskMode mode) throws IOException {
        OracleCheckpoints.writeHuggingFace(model, dir, 64);
        try (Checkpoint checkpoint = Checkpoints.open(dir)) {
            weights = LlamaWeights.upload(checkpoint, stream, dtype);
        }
        LoraAdapter made = null;
        try {
            if (model.loraRank() > 0) {
                Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
                for (LoraKey k : model.lora().keySet()) {
                    targets.add(ours(k.target()));
                }
                int r = model.loraRank();
                made = LoraAdapter.create(weights, new LoraConfig(r, model.loraScale() * r, targets,
                        new LoraInit.Gaussian(0.01), 1), stream);
                made.setMaskMode(mode);
                for (LoraPair p : made.pairs()) {
                    dev.lorapar.tests.oracle.LoraTarget t = theirs(p.target());
                    p.a().copyFrom(stream, model.lora().get(LoraKey.a(p.layer(), t)));
                    p.b().copyFrom(stream, model.lora().get(LoraKey.b(p.layer(), t)));
                    byte[] ma = model.loraMasks().get(LoraKey.a(p.layer(), t));
                    byte[] mb = model.loraMasks().get(LoraKey.b(p.layer(), t));
                    if (ma != null) {
                        made.setMasks(p.layer(), p.target(), keep(Tensor.ofBytes(stream, ma, p.a().shape())),
                                keep(Tensor.ofBytes(stream, mb, p.b().shape())));
                    }
                }
            }
        } catch (RuntimeException e) {
            if (made != null) {
                made.close();
            }
            masks.forEach(Tensor::close);
            weights.close();
            throw e;
        }
        adapter = made;
    }

    private Tensor keep(Tensor t) {
        masks.add(t);
        return t;
    }

    public static LoraTarget ours(dev.lorapar.tests.oracle.LoraTarget t) {
        return LoraTarget.valueOf(t.name());
    }

    public static dev.lorapar.tests.oracle.LoraTarget theirs(LoraTarget t) {
        return dev.lorapar.tests.oracle.LoraTarget.valueOf(t.name());
    }

    @Override
    public void close() {
        if (adapter != null) {
            adapter.close();
        }
        masks.forEach(Tensor::close);
        weights.close();
    }
}

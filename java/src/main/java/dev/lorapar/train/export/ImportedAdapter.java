package dev.lorapar.train.export;

import dev.lorapar.core.Tensor;
import dev.lorapar.model.LoraAdapter;
import java.util.List;

/**
 * A LoRA adapter read from a PEFT folder together with the mask tensors read beside it (which a
 * {@link LoraAdapter} does not own). {@link #close()} frees both.
 */
public final class ImportedAdapter implements AutoCloseable {
    private final LoraAdapter adapter;
    private final PeftAdapterConfig config;
    private final List<Tensor> masks;

    ImportedAdapter(LoraAdapter adapter, PeftAdapterConfig config, List<Tensor> masks) {
        this.adapter = adapter;
        this.config = config;
        this.masks = List.copyOf(masks);
    }

    /** The adapter, bound to the weights it was imported for. */
    public LoraAdapter adapter() {
        return adapter;
    }

    /** adapter_config.json as read. */
    public PeftAdapterConfig config() {
        return config;
    }

    /** True when LoRA-PAR masks were found and set on the adapter. */
    public boolean hasMasks() {
        return !masks.isEmpty();
    }

    @Override
    public void close() {
        adapter.close();
        masks.forEach(Tensor::close);
    }
}

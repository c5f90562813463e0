package dev.lorapar.train;

import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.MaskFiles;
import dev.lorapar.train.export.PeftImport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The LoRA adapter a run starts from: a fresh one made from the run's LoRA settings, or the values, settings and masks
 * of a PEFT folder ({@code init_adapter}, e.g. the output of an earlier stage); then, when a masks folder is given
 * ({@code masks}: a folder holding lorapar's mask files, e.g. a partition's stage mask), its masks replace any the
 * adapter carries, so only their active elements train. Owns the adapter and every mask tensor; {@link #close()}
 * frees them.
 */
public final class StartingAdapter implements AutoCloseable {
    private final LoraAdapter adapter;
    private final ImportedAdapter imported;   // null for a fresh adapter
    private final List<Tensor> masks;         // the masks read from the masks folder
    private final String description;

    private StartingAdapter(LoraAdapter adapter, ImportedAdapter imported, List<Tensor> masks, String description) {
        this.adapter = adapter;
        this.imported = imported;
        this.masks = masks;
        this.description = description;
    }

    /**
     * @param initAdapter a PEFT folder, or null for a fresh adapter of {@code fresh}
     * @param masksFolder a folder with lorapar mask files, or null
     * @throws dev.lorapar.model.io.CheckpointException naming the file when a folder is malformed or does not fit
     */
    public static StartingAdapter open(LlamaWeights weights, Stream stream, LoraConfig fresh, Path initAdapter,
                                       Path masksFolder) {
        ImportedAdapter imported = initAdapter == null ? null : PeftImport.read(initAdapter, weights, stream);
        LoraAdapter adapter = null;
        try {
            adapter = imported != null ? imported.adapter() : LoraAdapter.create(weights, fresh, stream);
            String what = imported != null ? "from " + initAdapter + (imported.hasMasks() ? " (with its masks)" : "")
                    : "fresh (" + fresh.init() + ", seed " + fresh.seed() + ")";
            List<Tensor> masks = new ArrayList<>();
            if (masksFolder != null) {
                masks.addAll(MaskFiles.read(masksFolder, adapter, stream));
                if (masks.isEmpty()) {
                    throw new IllegalArgumentException("masks: " + masksFolder + " holds no lorapar mask files");
                }
                what += ", masks from " + masksFolder;
            }
            return new StartingAdapter(adapter, imported, masks, what);
        } catch (RuntimeException e) {
            if (imported != null) {
                imported.close();
            } else if (adapter != null) {
                adapter.close();
            }
            throw e;
        }
    }

    /** From the run settings {@code init_adapter} and {@code masks} (empty = none). */
    public static StartingAdapter open(TrainConfig c, LlamaWeights weights, Stream stream) {
        return open(weights, stream, RunSetup.lora(c), path(c.text("init_adapter")), path(c.text("masks")));
    }

    private static Path path(String text) {
        return text.isBlank() ? null : Path.of(text);
    }

    public LoraAdapter adapter() {
        return adapter;
    }

    /** Where the adapter came from, for the run log. */
    public String description() {
        return description;
    }

    @Override
    public void close() {
        if (imported != null) {
            imported.close();
        } else {
            adapter.close();
        }
        masks.forEach(Tensor::close);
    }
}

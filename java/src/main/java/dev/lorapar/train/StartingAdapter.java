package dev.lorapar.train;

import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraPair;
import dev.lorapar.train.checkpoint.CheckpointFile;
import dev.lorapar.train.checkpoint.TrainingState;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.MaskFiles;
import dev.lorapar.train.export.PeftImport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The adapter a training run (SFT or GRPO) starts from: a new one from the {@code lora_*} settings, a PEFT folder
 * ({@code init_adapter}, e.g. the stage-1 export; its own adapter_config.json decides rank and targets, and its masks
 * come along), or a checkpoint {@code .lpck} (its fp32 masters, for an adapter made from the {@code lora_*} settings,
 * which must match); then the masks of {@code masks} (a folder in the export's mask format, e.g. a partition's stage
 * mask) replace any it carries, so only their active elements train. Owns the adapter and every mask tensor.
 */
public final class StartingAdapter implements AutoCloseable {
    private final LoraAdapter adapter;
    private final ImportedAdapter imported; // owns adapter when non-null
    private final List<Tensor> masks = new ArrayList<>();
    private String description;

    private StartingAdapter(LoraAdapter adapter, ImportedAdapter imported, String description) {
        this.adapter = adapter;
        this.imported = imported;
        this.description = description;
    }

    /** From the run settings {@code init_adapter} and {@code masks} (empty = none) and the {@code lora_*} settings. */
    public static StartingAdapter open(TrainConfig c, LlamaWeights weights, Stream stream) throws IOException {
        String init = c.text("init_adapter").strip(), masks = c.text("masks").strip();
        return open(weights, stream, RunSetup.lora(c), init.isEmpty() ? null : Path.of(init),
                masks.isEmpty() ? null : Path.of(masks));
    }

    /**
     * @param fresh       the settings of a new adapter (and of one a checkpoint's masters are copied into)
     * @param initAdapter a PEFT folder or a checkpoint file, or null for a new adapter
     * @param masksFolder a folder with lorapar mask files, or null
     */
    public static StartingAdapter open(LlamaWeights weights, Stream stream, LoraConfig fresh, Path initAdapter,
                                       Path masksFolder) throws IOException {
        StartingAdapter made;
        if (initAdapter == null) {
            made = new StartingAdapter(LoraAdapter.create(weights, fresh, stream), null,
                    "new adapter (" + fresh.init() + " init, seed " + fresh.seed() + ")");
        } else if (Files.isDirectory(initAdapter)) {
            ImportedAdapter imp = PeftImport.read(initAdapter, weights, stream);
            LoraConfig read = imp.adapter().config(); // a converted PiSSA / OLoRA folder: rank r again, not 2r
            made = new StartingAdapter(imp.adapter(), imp, "PEFT adapter " + initAdapter + " (r = " + read.rank()
                    + (read.init().residualizesBase() ? ", " + read.init() + " init" : "") + (imp.hasMasks() ? ", with its masks" : "") + ")");
        } else if (Files.isRegularFile(initAdapter)) {
            LoraAdapter a = LoraAdapter.create(weights, fresh, stream);
            try {
                copyMasters(CheckpointFile.read(initAdapter), a, stream, initAdapter);
            } catch (IOException | RuntimeException e) {
                a.close();
                throw e;
            }
            made = new StartingAdapter(a, null, "checkpoint " + initAdapter);
        } else {
            throw new IllegalArgumentException("init_adapter " + initAdapter + " is neither a PEFT folder nor a checkpoint file");
        }
        try {
            if (masksFolder != null) {
                if (!Files.isDirectory(masksFolder)) {
                    throw new IllegalArgumentException("masks " + masksFolder + " is not a folder");
                }
                List<Tensor> read = MaskFiles.read(masksFolder, made.adapter, stream);
                if (read.isEmpty()) {
                    throw new IllegalArgumentException("masks folder " + masksFolder + " holds no lorapar_masks.json");
                }
                made.masks.addAll(read);
                made.description += ", masks from " + masksFolder;
            }
        } catch (RuntimeException e) {
            made.close();
            throw e;
        }
        return made;
    }

    /** Copies {@code master/<pair>.lora_A|B} of an SFT checkpoint into {@code a}. */
    static void copyMasters(TrainingState state, LoraAdapter a, Stream stream, Path file) {
        for (LoraPair p : a.pairs()) {
            for (boolean isA : new boolean[] {true, false}) {
                String name = "master/" + p.name() + (isA ? ".lora_A" : ".lora_B");
                Tensor t = isA ? p.a() : p.b();
                if (!state.hasArray(name)) {
                    throw new IllegalArgumentException(file + " has no " + name + " (another LoRA setup than lora_r / "
                            + "lora_targets, or a full fine-tuning checkpoint)");
                }
                if (!Arrays.equals(state.shape(name), t.shape())) {
                    throw new IllegalArgumentException(file + ": " + name + " has shape "
                            + Arrays.toString(state.shape(name)) + ", the adapter " + Arrays.toString(t.shape()));
                }
                t.copyFrom(stream, state.floats(name));
            }
        }
        stream.synchronize();
    }

    public LoraAdapter adapter() {
        return adapter;
    }

    /** Where the adapter came from and how many elements the mask trains. */
    public String describe(Stream stream) {
        long active = 0, total = 0;
        for (LoraPair p : adapter.pairs()) {
            for (boolean isA : new boolean[] {true, false}) {
                Tensor m = isA ? p.maskA() : p.maskB();
                long n = (isA ? p.a() : p.b()).numel();
                total += n;
                if (m == null) {
                    active += n;
                } else {
                    for (byte b : m.toByteArray(stream)) {
                        active += b != 0 ? 1 : 0;
                    }
                }
            }
        }
        return String.format(java.util.Locale.ROOT, "%s; trained elements %d of %d (%.2f%%)", description, active, total,
                100.0 * active / Math.max(1, total));
    }

    @Override
    public void close() {
        masks.forEach(Tensor::close);
        if (imported != null) {
            imported.close();
        } else {
            adapter.close();
        }
    }
}

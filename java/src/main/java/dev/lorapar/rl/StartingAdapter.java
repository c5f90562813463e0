package dev.lorapar.rl;

import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraPair;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.TrainConfig;
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
 * The adapter a GRPO run starts from, with the stage-2 mask: a new one from the {@code lora_*} settings, a PEFT folder
 * ({@code init_adapter}, e.g. the stage-1 export; its own adapter_config.json decides rank and targets), or an SFT
 * checkpoint {@code .lpck} (its fp32 masters, for an adapter made from the {@code lora_*} settings, which must match);
 * then the masks of {@code masks} (a folder in the export's mask format) when given. Owns the adapter and masks.
 */
public final class StartingAdapter implements AutoCloseable {
    private final LoraAdapter adapter;
    private final ImportedAdapter imported; // owns adapter when non-null
    private final List<Tensor> masks = new ArrayList<>();
    private final String description;

    private StartingAdapter(LoraAdapter adapter, ImportedAdapter imported, String description) {
        this.adapter = adapter;
        this.imported = imported;
        this.description = description;
    }

    public static StartingAdapter open(TrainConfig c, LlamaWeights weights, Stream stream) throws IOException {
        String init = c.text("init_adapter").strip();
        StartingAdapter made;
        if (init.isEmpty()) {
            made = new StartingAdapter(LoraAdapter.create(weights, RunSetup.lora(c), stream), null,
                    "new adapter (" + c.text("lora_init") + " init)");
        } else if (Files.isDirectory(Path.of(init))) {
            ImportedAdapter imp = PeftImport.read(Path.of(init), weights, stream);
            made = new StartingAdapter(imp.adapter(), imp, "PEFT adapter " + init + " (r = " + imp.config().rank()
                    + (imp.hasMasks() ? ", with its masks" : "") + ")");
        } else if (Files.isRegularFile(Path.of(init))) {
            LoraAdapter a = LoraAdapter.create(weights, RunSetup.lora(c), stream);
            try {
                copyMasters(CheckpointFile.read(Path.of(init)), a, stream, Path.of(init));
            } catch (IOException | RuntimeException e) {
                a.close();
                throw e;
            }
            made = new StartingAdapter(a, null, "checkpoint " + init);
        } else {
            throw new IllegalArgumentException("init_adapter " + init + " is neither a PEFT folder nor a checkpoint file");
        }
        try {
            String maskDir = c.text("masks").strip();
            if (!maskDir.isEmpty()) {
                if (!Files.isDirectory(Path.of(maskDir))) {
                    throw new IllegalArgumentException("masks " + maskDir + " is not a folder");
                }
                List<Tensor> read = MaskFiles.read(Path.of(maskDir), made.adapter, stream);
                if (read.isEmpty()) {
                    throw new IllegalArgumentException("masks folder " + maskDir + " holds no lorapar_masks.json");
                }
                made.masks.addAll(read);
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

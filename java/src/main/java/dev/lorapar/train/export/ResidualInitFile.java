package dev.lorapar.train.export;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.io.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link PeftNames#RESIDUAL_INIT}: written beside a PiSSA / OLoRA adapter that {@link PeftExport} converted into a plain
 * LoRA of rank 2r for the original base (lora_A = [A; A₀] [2r×in], lora_B = [B, −B₀] [out×2r], lora_alpha doubled so
 * that lora_alpha/r is unchanged — PEFT's own conversion, {@code save_pretrained(...,
 * path_initial_model_for_weight_conversion=...)}). It names the trained rank r, the original lora_alpha and the init,
 * so {@link PeftImport} can split the halves back. PEFT never reads it (adapter_config.json keeps only keys PEFT knows:
 * older PEFT versions refuse unknown ones), so for PEFT the folder is the plain rank-2r LoRA.
 *
 * @param init  the residual init (PiSSA or OLoRA)
 * @param rank  r of the trained A [r×in], B [out×r]
 * @param alpha the original lora_alpha (scale = alpha / r)
 * @param seed  the seed of the original adapter
 */
public record ResidualInitFile(LoraInit init, int rank, double alpha, long seed) {
    /** The {@code format} of the file. */
    public static final String FORMAT = "lorapar-residual-init/1";

    public ResidualInitFile {
        if (!init.residualizesBase()) throw new IllegalArgumentException(init + " is not a residual init");
        if (rank < 1) throw new IllegalArgumentException("rank must be ≥ 1, got " + rank);
    }

    /** The description of {@code config} (a PiSSA / OLoRA adapter's). */
    public static ResidualInitFile of(LoraConfig config) {
        return new ResidualInitFile(config.init(), config.rank(), config.alpha(), config.seed());
    }

    /** The LoraConfig of the original adapter on {@code targets}-as-read. */
    public LoraConfig toLoraConfig(PeftAdapterConfig converted) {
        return new LoraConfig(rank, alpha, converted.targets(), init, seed);
    }

    /** Writes the file into {@code dir} (atomically). */
    void write(Path dir) throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("format", FORMAT);
        fields.put("init", switch (init) {
            case LoraInit.Pissa p -> "pissa";
            case LoraInit.Olora o -> "olora";
            default -> throw new IllegalStateException(init.toString());
        });
        if (init instanceof LoraInit.Pissa p) fields.put("pissa_power_iterations", p.powerIterations());
        fields.put("r", rank);
        fields.put("lora_alpha", alpha);
        fields.put("seed", seed);
        fields.put("layout", "adapter_model.safetensors holds a plain LoRA of rank 2r for the original base: lora_A = "
                + "[A; A0] (rows 0..r-1 trained A, rows r..2r-1 initial A0), lora_B = [B, -B0] (columns 0..r-1 trained "
                + "B, columns r..2r-1 minus initial B0), lora_alpha = 2 * the original; lorapar_masks.* describe the "
                + "trained A [r x in] and B [out x r]");
        AtomicFiles.writeString(dir.resolve(PeftNames.RESIDUAL_INIT), JsonText.pretty(JsonText.MAPPER.valueToTree(fields)));
    }

    /** Deletes a description an earlier export left in {@code dir}. */
    static void deleteIn(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(PeftNames.RESIDUAL_INIT));
    }

    /** The description in {@code dir}, or null when the folder has none (a plain LoRA). */
    public static ResidualInitFile readIn(Path dir) {
        Path file = dir.resolve(PeftNames.RESIDUAL_INIT);
        if (!Files.isRegularFile(file)) return null;
        JsonNode json = JsonText.readObject(file, PeftNames.RESIDUAL_INIT);
        JsonNode format = json.get("format");
        if (format == null || !FORMAT.equals(format.asText())) {
            throw new CheckpointException(file, "format " + format + " is not \"" + FORMAT + "\"");
        }
        String initName = json.path("init").asText("");
        LoraInit init = switch (initName) {
            case "pissa" -> new LoraInit.Pissa(intField(file, json, "pissa_power_iterations", 0));
            case "olora" -> new LoraInit.Olora();
            default -> throw new CheckpointException(file, "init \"" + initName + "\" is not \"pissa\" or \"olora\"");
        };
        int rank = intField(file, json, "r", 1);
        JsonNode alpha = json.get("lora_alpha");
        if (alpha == null || !alpha.isNumber() || !(alpha.asDouble() > 0) || !Double.isFinite(alpha.asDouble())) {
            throw new CheckpointException(file, "lora_alpha " + alpha + " is not a positive number");
        }
        JsonNode seed = json.get("seed");
        if (seed == null || !seed.isIntegralNumber() || !seed.canConvertToLong()) {
            throw new CheckpointException(file, "seed " + seed + " is not an integer");
        }
        return new ResidualInitFile(init, rank, alpha.asDouble(), seed.asLong());
    }

    /**
     * Checks that adapter_config.json describes this adapter's conversion: r = 2·rank, lora_alpha = 2·alpha, no rsLoRA.
     */
    void checkConverted(Path dir, PeftAdapterConfig converted) {
        Path file = dir.resolve(PeftNames.CONFIG);
        if (converted.rsLora()) {
            throw new CheckpointException(file, "use_rslora true does not match " + PeftNames.RESIDUAL_INIT
                    + " (lorapar converts residual inits without rsLoRA)");
        }
        if (converted.rank() != 2 * rank) {
            throw new CheckpointException(file, "r " + converted.rank() + " is not 2 × r = " + rank + " of "
                    + PeftNames.RESIDUAL_INIT);
        }
        if (Math.abs(converted.alpha() - 2 * alpha) > 1e-9 * alpha) {
            throw new CheckpointException(file, "lora_alpha " + converted.alpha() + " is not 2 × lora_alpha = " + alpha
                    + " of " + PeftNames.RESIDUAL_INIT);
        }
    }

    private static int intField(Path file, JsonNode json, String key, int min) {
        JsonNode v = json.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min) {
            throw new CheckpointException(file, key + " " + v + " is not an integer ≥ " + min);
        }
        return v.asInt();
    }
}

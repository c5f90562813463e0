package dev.lorapar.pipeline.score;

import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.train.export.ExportDType;
import dev.lorapar.train.export.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The importance of every LoRA element for one system: the matrices (in file order) and one flat F32 vector [n] of
 * all of them concatenated in that order (row-major within a matrix). On disk: a safetensors file of F32 tensors named
 * by their PEFT keys, rows in the layout of a PEFT {@code adapter_model.safetensors} (q/k lora_B rows in Hugging
 * Face's rotate-half order), {@code __metadata__} {format, system, samples}.
 */
public record ImportanceScores(String system, List<ImportanceMatrix> matrices, float[] values, long samples) {
    /** The {@code format} of the file's metadata. */
    public static final String FORMAT = "lorapar-importance/1";

    public ImportanceScores {
        matrices = List.copyOf(matrices);
        long n = 0;
        for (ImportanceMatrix m : matrices) {
            if (m.offset() != n) throw new IllegalArgumentException(m.name() + " at offset " + m.offset() + ", expected " + n);
            n += m.elements();
        }
        if (values.length != n) throw new IllegalArgumentException(system + ": " + values.length + " values for " + n + " elements");
    }

    public long elements() {
        return values.length;
    }

    /** Writes the scores to {@code file} atomically. */
    public void write(Path file) throws IOException {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (ImportanceMatrix m : matrices) {
            entries.add(new SafetensorsWriter.Entry(m.name(), "F32", new long[] {m.rows(), m.cols()},
                    sink -> sink.putFloats(ExportDType.F32, values, (int) m.offset(),
                            (int) m.elements())));
        }
        SafetensorsWriter.write(file, Map.of("format", FORMAT, "system", system, "samples", Long.toString(samples)), entries);
    }

    /** Reads a file written by {@link #write}, naming the system {@code system}; every value checked finite and ≥ 0. */
    public static ImportanceScores read(Path file, String system, long samples) {
        try (Arena arena = Arena.ofConfined()) {
            Map<String, WeightTensor> tensors = SafetensorsFile.read(file, arena);
            List<ImportanceMatrix> matrices = new ArrayList<>();
            long n = 0;
            for (WeightTensor t : tensors.values()) {
                long[] s = t.shape();
                if (s.length != 2) throw new IllegalArgumentException(file + ": " + t.name() + " is not a matrix");
                try {
                    matrices.add(ImportanceMatrix.of(t.name(), (int) s[0], (int) s[1], n));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
                }
                n += s[0] * s[1];
            }
            if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(file + ": " + n + " elements is too many");
            float[] values = new float[(int) n];
            for (ImportanceMatrix m : matrices) {
                tensors.get(m.name()).readFloats(values, (int) m.offset(), 0, (int) m.elements());
            }
            for (int i = 0; i < values.length; i++) {
                if (!(values[i] >= 0) || Float.isInfinite(values[i])) {
                    throw new IllegalArgumentException(file + ": element " + i + " = " + values[i]
                            + " (importance must be finite and ≥ 0)");
                }
            }
            return new ImportanceScores(system, matrices, values, samples);
        }
    }

    /** Checks that {@code other} scores the same matrices (names and shapes, same order). */
    public void requireSameLayout(ImportanceScores other) {
        if (matrices.size() != other.matrices.size()) {
            throw new IllegalArgumentException("systems " + system + " and " + other.system + " score " + matrices.size()
                    + " vs " + other.matrices.size() + " matrices");
        }
        for (int i = 0; i < matrices.size(); i++) {
            ImportanceMatrix a = matrices.get(i), b = other.matrices.get(i);
            if (!a.name().equals(b.name()) || a.rows() != b.rows() || a.cols() != b.cols()) {
                throw new IllegalArgumentException("systems " + system + " and " + other.system + " differ at matrix " + i
                        + ": " + a.name() + " [" + a.rows() + "×" + a.cols() + "] vs " + b.name() + " [" + b.rows() + "×"
                        + b.cols() + "]");
            }
        }
    }
}

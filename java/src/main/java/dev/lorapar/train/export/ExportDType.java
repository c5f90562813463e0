package dev.lorapar.train.export;

import dev.lorapar.core.BFloat16;
import java.nio.ByteBuffer;

/** The element type floats are written in: safetensors dtype name, torch dtype name, bytes per element. */
public enum ExportDType {
    /** IEEE binary32: exact for every lorapar tensor. */
    F32("F32", "float32", 4),
    /** bfloat16, rounded to nearest even (as torch's {@code .to(torch.bfloat16)}). */
    BF16("BF16", "bfloat16", 2);

    private final String safetensorsName;
    private final String torchName;
    private final int bytes;

    ExportDType(String safetensorsName, String torchName, int bytes) {
        this.safetensorsName = safetensorsName;
        this.torchName = torchName;
        this.bytes = bytes;
    }

    /** The safetensors header dtype, e.g. {@code BF16}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The name config.json's {@code torch_dtype} uses, e.g. {@code bfloat16}. */
    public String torchName() {
        return torchName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Writes {@code values[from, from + count)} into {@code out} (little-endian, room checked by the caller). */
    void put(ByteBuffer out, float[] values, int from, int count) {
        if (this == F32) {
            out.asFloatBuffer().put(values, from, count);
            out.position(out.position() + 4 * count);
        } else {
            for (int i = from; i < from + count; i++) {
                out.putShort(BFloat16.fromFloat(values[i]));
            }
        }
    }
}

package dev.lorapar.train.export;

/**
 * LoRA-PAR element masks packed one bit per element: a U8 mask [rows×cols] (0 = inactive, anything else = active)
 * becomes [rows × ⌈cols/8⌉] bytes, element c of a row in bit {@code c % 8} (least significant first) of byte
 * {@code c / 8}, unused high bits of a row's last byte 0 — numpy reads it back with
 * {@code numpy.unpackbits(packed, axis=1, bitorder="little")[:, :cols]}.
 */
final class MaskPacking {
    private MaskPacking() {
    }

    /** Bytes per packed row. */
    static int packedCols(int cols) {
        return (cols + 7) / 8;
    }

    /** {@code mask} [rows×cols] packed to [rows × packedCols(cols)]. */
    static byte[] pack(byte[] mask, int rows, int cols) {
        int pc = packedCols(cols);
        byte[] out = new byte[Math.multiplyExact(rows, pc)];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (mask[r * cols + c] != 0) out[r * pc + c / 8] |= (byte) (1 << (c % 8));
            }
        }
        return out;
    }

    /**
     * The U8 0/1 mask [rows×cols] of {@code packed}; IllegalArgumentException when a padding bit is set (the file was
     * not written by {@link #pack}).
     */
    static byte[] unpack(byte[] packed, int rows, int cols) {
        int pc = packedCols(cols);
        if (packed.length != (long) rows * pc) {
            throw new IllegalArgumentException(packed.length + " packed bytes, expected " + rows + "×" + pc);
        }
        byte[] out = new byte[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = (byte) ((packed[r * pc + c / 8] >> (c % 8)) & 1);
            }
            int used = cols - 8 * (pc - 1);
            if (pc > 0 && used < 8 && (packed[r * pc + pc - 1] & 0xff) >> used != 0) {
                throw new IllegalArgumentException("row " + r + " has padding bits set after column " + cols);
            }
        }
        return out;
    }

    /** Active (non-zero) elements of a U8 mask. */
    static long active(byte[] mask) {
        long n = 0;
        for (byte b : mask) if (b != 0) n++;
        return n;
    }
}

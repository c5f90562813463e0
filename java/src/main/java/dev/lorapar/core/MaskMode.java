package dev.lorapar.core;

/** How the masks of a masked LoRA matmul act; codes are those of {@code lp_mask_mode}. */
public enum MaskMode {
    /** Forward and dX use all of A and B; only the gradients dA, dB are masked (the LoRA-PAR method). */
    GRADIENT(0),
    /** Inactive elements contribute nothing anywhere: truly sparse adapters. */
    FORWARD(1);

    private final int code;

    MaskMode(int code) {
        this.code = code;
    }

    /** The native {@code lp_mask_mode} value. */
    public int code() {
        return code;
    }
}

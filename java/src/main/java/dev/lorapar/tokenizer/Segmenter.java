package dev.lorapar.tokenizer;

/** Turns normalised text (see {@link Normalizer}) into token ids; one implementation per BPE flavour. */
interface Segmenter {
    /** The token ids of {@code normalized}; empty for empty text. */
    int[] segment(String normalized);
}

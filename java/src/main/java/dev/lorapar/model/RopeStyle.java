package dev.lorapar.model;

/**
 * Which dimensions of a head the rotary position embedding (RoPE) rotates together. Both styles apply
 * the same rotations — pair {@code i} of a head of size {@code d} turns by {@code pos · θ^(−2i/d)} — and
 * differ only in where the two members of pair {@code i} sit within the head:
 * <ul>
 *   <li>{@link #ADJACENT_PAIRS}: {@code (x[2i], x[2i+1])}. Meta's original LLaMA code (complex
 *       multiplication over {@code view_as_complex}), llama2.c ({@code run.c} rotates {@code vec[i],
 *       vec[i+1]} for even {@code i}) and GGUF files from llama.cpp's converter (rope type "norm" for the
 *       llama architecture) use it.</li>
 *   <li>{@link #ROTATE_HALF}: {@code (x[i], x[i + d/2])}. Hugging Face transformers' LlamaForCausalLM
 *       ({@code rotate_half} in {@code modeling_llama.py}) uses it, so every HF safetensors checkpoint
 *       expects it.</li>
 * </ul>
 * The two are converted by permuting the output rows of {@code q_proj} and {@code k_proj} within each
 * head: transformers' {@code convert_llama_weights_to_hf.py} does
 * {@code w.view(n_heads, d/2, 2, in).transpose(1, 2).reshape(out, in)} going from Meta to HF, and
 * llama.cpp's {@code convert_hf_to_gguf.py} undoes that permutation going from HF to GGUF. Since q and k
 * are permuted alike, their dot products — hence the attention — are unchanged; v and o are not touched.
 * See {@link #rotateHalfRow} for the row mapping. Sources: the files named above (transformers,
 * karpathy/llama2.c, ggml-org/llama.cpp), and shared/data/README.md §1b.
 */
public enum RopeStyle {
    /** Pairs {@code (x[2i], x[2i+1])}: llama2.c, Meta's original checkpoints, GGUF. */
    ADJACENT_PAIRS,
    /** Pairs {@code (x[i], x[i + d/2])}: Hugging Face transformers checkpoints. */
    ROTATE_HALF;

    /**
     * The row of a {@link #ROTATE_HALF} q/k projection that holds what row {@code adjacentRow} holds in
     * the {@link #ADJACENT_PAIRS} layout of the same weights: within head {@code h}, member {@code j} of
     * pair {@code i} moves from row {@code h·d + 2i + j} to row {@code h·d + j·d/2 + i}.
     *
     * @param adjacentRow a row index of q_proj or k_proj ([heads·d × in]) in the adjacent-pairs layout
     * @param headDim     d, even
     */
    public static int rotateHalfRow(int adjacentRow, int headDim) {
        if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("headDim must be positive and even: " + headDim);
        if (adjacentRow < 0) throw new IllegalArgumentException("row must be non-negative: " + adjacentRow);
        int head = adjacentRow / headDim, within = adjacentRow % headDim;
        return head * headDim + (within % 2) * (headDim / 2) + within / 2;
    }
}

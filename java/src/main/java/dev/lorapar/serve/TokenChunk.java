package dev.lorapar.serve;

/**
 * One piece of a streamed generation: a generated token and the text it completes (possibly "" while a multi-byte
 * character or a possible stop string is incomplete). A final chunk with token −1 carries text held back until the
 * end. Stop tokens (EOS) end the stream without a chunk of text.
 *
 * @param token   the token id, or −1 for held-back text released at the end
 * @param text    the text delta
 * @param logprob the token's natural-log probability when asked for, else NaN
 */
public record TokenChunk(int token, String text, float logprob) {
}

package dev.lorapar.tokenizer;

/**
 * SentencePiece's text normalisation for an identity character map (LLaMA's): optionally squeeze spaces,
 * add the dummy-prefix space, and write spaces as the meta symbol "▁" (U+2581).
 *
 * @param addDummyPrefix          prepend one space to non-empty text (SentencePiece {@code add_dummy_prefix},
 *                                HF {@code Prepend("▁")}, GGUF {@code add_space_prefix})
 * @param removeExtraWhitespaces  drop leading and trailing spaces and squeeze runs of spaces into one
 * @param escapeWhitespaces       replace every space U+0020 by "▁"
 */
public record Normalizer(boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    /** LLaMA's settings: dummy prefix, whitespace kept as is, spaces escaped. */
    public static final Normalizer LLAMA = new Normalizer(true, false, true);

    /**
     * The normalised form of {@code text}; empty text stays empty. An unpaired surrogate (not valid
     * Unicode, so not encodable as UTF-8) becomes U+FFFD.
     */
    public String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length() + 1);
        if (addDummyPrefix) {
            out.append(' ');
        }
        boolean pendingSpace = false;
        boolean sawText = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (removeExtraWhitespaces && c == ' ') {
                pendingSpace = sawText;  // leading spaces are dropped, a run counts once
                continue;
            }
            if (pendingSpace) {
                out.append(' ');
                pendingSpace = false;
            }
            sawText = true;
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        if (!sawText) {
            return "";  // trailing spaces were pending and are dropped too
        }
        if (escapeWhitespaces) {
            for (int i = 0; i < out.length(); i++) {
                if (out.charAt(i) == ' ') {
                    out.setCharAt(i, Vocabulary.SPACE_SYMBOL);
                }
            }
        }
        return out.toString();
    }
}

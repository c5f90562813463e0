package dev.lorapar.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Hugging Face {@code tokenizers} BPE (as in LLaMA's {@code tokenizer.json}): each character of the
 * normalised text becomes its token, or its UTF-8 bytes {@code <0xNN>} (byte fallback), or
 * {@code <unk>} (consecutive unknowns fused when {@code fuseUnk}); then the adjacent pair with the
 * lowest merge rank is merged (leftmost on ties) until no listed pair remains.
 */
final class RankBpeSegmenter implements Segmenter {
    private final Vocabulary vocabulary;
    private final PairTable merges;  // (leftId, rightId) -> mergeValue(rank, mergedId)
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;

    /**
     * @param merges       pair of ids to {@link PairTable#merge}(rank, merged id)
     * @param ignoreMerges a text that is itself a piece becomes that single token (HF {@code ignore_merges})
     */
    RankBpeSegmenter(Vocabulary vocabulary, PairTable merges, boolean byteFallback, boolean fuseUnk,
            boolean ignoreMerges) {
        this.vocabulary = vocabulary;
        this.merges = merges;
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
    }

    @Override
    public int[] segment(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        if (ignoreMerges) {
            int whole = vocabulary.idOrMinusOne(text);
            if (whole >= 0) {
                return new int[] {whole};
            }
        }
        IntList units = new IntList(text.length());
        boolean previousUnknown = false;
        for (int pos = 0; pos < text.length(); ) {
            int end = pos + Character.charCount(text.codePointAt(pos));
            String character = text.substring(pos, end);
            pos = end;
            int id = vocabulary.idOrMinusOne(character);
            if (id >= 0) {
                units.add(id);
                previousUnknown = false;
                continue;
            }
            if (byteFallback && addBytes(character, units)) {
                previousUnknown = false;
                continue;
            }
            if (!(fuseUnk && previousUnknown)) {
                units.add(vocabulary.unkId());
            }
            previousUnknown = true;
        }
        PairMerger symbols = new PairMerger(units.toArray(), null);
        symbols.run(new RankRule());
        IntList out = new IntList(units.size());
        for (int i = 0; i >= 0; i = symbols.next(i)) {
            out.add(symbols.id(i));
        }
        return out.toArray();
    }

    /** Adds the byte pieces of {@code character} if the vocabulary has all of them. */
    private boolean addBytes(String character, IntList units) {
        byte[] bytes = character.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (vocabulary.byteId(b) < 0) {
                return false;
            }
        }
        for (byte b : bytes) {
            units.add(vocabulary.byteId(b));
        }
        return true;
    }

    /** A pair merges when it is listed in the merges; priority = its rank. */
    private final class RankRule implements PairMerger.Rule {
        private float priority;

        @Override
        public int merge(PairMerger symbols, int left, int right) {
            long value = merges.get(symbols.id(left), symbols.id(right));
            if (value < 0) {
                return -1;
            }
            priority = PairTable.priorityOf(value);
            return PairTable.mergedIdOf(value);
        }

        @Override
        public float priority() {
            return priority;
        }
    }
}

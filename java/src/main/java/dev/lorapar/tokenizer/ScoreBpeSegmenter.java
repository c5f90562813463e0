package dev.lorapar.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece BPE as LLaMA uses it ({@code tokenizer.model}, llama2.c {@code tokenizer.bin}, GGUF
 * "llama" vocabularies): split the normalised text into characters (user-defined pieces as frozen
 * units), repeatedly merge the adjacent pair whose concatenation is a mergeable piece of highest score
 * (leftmost on ties), then map each symbol to its id; a symbol that is no piece becomes its UTF-8 bytes
 * {@code <0xNN>} (byte fallback) or {@code <unk>} (consecutive unknowns fused into one). Pieces of type
 * UNUSED may be formed while merging but are split back into the two symbols they were merged from.
 * Control pieces ({@code <s>}, {@code </s>}) and byte pieces are never formed from text.
 */
final class ScoreBpeSegmenter implements Segmenter {
    private final Vocabulary vocabulary;
    private final boolean byteFallback;
    private final List<String> userDefined;  // longest first
    private final boolean hasUnused;
    private final int[] bmpCharIds;           // [65536] id of each one-char piece of the BMP, -1 where none
    private final PairTable pairs;            // (id a, id b) -> merge(-score, id) for every mergeable piece a + b

    ScoreBpeSegmenter(Vocabulary vocabulary, boolean byteFallback) {
        this.vocabulary = vocabulary;
        this.byteFallback = byteFallback;
        List<String> user = new ArrayList<>();
        boolean unused = false;
        for (int id = 0; id < vocabulary.size(); id++) {
            TokenType type = vocabulary.type(id);
            if (type == TokenType.USER_DEFINED && !vocabulary.piece(id).isEmpty()) {
                user.add(vocabulary.piece(id));
            }
            unused |= type == TokenType.UNUSED;
        }
        user.sort(Comparator.comparingInt(String::length).reversed());
        this.userDefined = List.copyOf(user);
        this.hasUnused = unused;
        this.bmpCharIds = new int[1 << 16];
        Arrays.fill(bmpCharIds, -1);
        for (int id = 0; id < vocabulary.size(); id++) {
            String piece = vocabulary.piece(id);
            if (piece.length() == 1) {
                bmpCharIds[piece.charAt(0)] = id;
            }
        }
        this.pairs = mergeTable(vocabulary);
    }

    /**
     * Every way of writing a mergeable piece as the concatenation of two pieces, keyed by their ids: with
     * it, merging symbols that are pieces needs no string building (symbols that are no piece, i.e.
     * unknown characters, still go through the string lookup).
     */
    private static PairTable mergeTable(Vocabulary vocabulary) {
        List<long[]> entries = new ArrayList<>();
        for (int id = 0; id < vocabulary.size(); id++) {
            String piece = vocabulary.piece(id);
            if (!vocabulary.type(id).mergeable() || piece.length() < 2) {
                continue;
            }
            for (int split = piece.offsetByCodePoints(0, 1); split > 0 && split < piece.length();
                    split = piece.offsetByCodePoints(split, 1)) {
                int left = vocabulary.idOrMinusOne(piece.substring(0, split));
                int right = vocabulary.idOrMinusOne(piece.substring(split));
                if (left >= 0 && right >= 0) {
                    entries.add(new long[] {left, right, PairTable.merge(-vocabulary.score(id), id)});
                }
            }
        }
        PairTable table = new PairTable(entries.size());
        for (long[] entry : entries) {
            table.put((int) entry[0], (int) entry[1], entry[2]);
        }
        return table;
    }

    @Override
    public int[] segment(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        // Units: characters, or whole user-defined pieces (frozen). offsets: [n + 1] char offset of each unit.
        IntList offsets = new IntList(text.length() + 1);
        IntList frozenUnits = new IntList(0);
        for (int pos = 0; pos < text.length(); ) {
            offsets.add(pos);
            String user = userDefinedAt(text, pos);
            if (user != null) {
                frozenUnits.add(offsets.size() - 1);
                pos += user.length();
            } else {
                pos += Character.charCount(text.codePointAt(pos));
            }
        }
        int n = offsets.size();
        offsets.add(text.length());
        int[] offset = offsets.toArray();
        boolean[] frozen = null;
        if (frozenUnits.size() > 0) {
            frozen = new boolean[n];
            for (int unit : frozenUnits.toArray()) {
                frozen[unit] = true;
            }
        }
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = offset[i + 1] - offset[i] == 1 ? bmpCharIds[text.charAt(offset[i])]
                    : vocabulary.idOrMinusOne(text.substring(offset[i], offset[i + 1]));
        }
        PairMerger symbols = new PairMerger(ids, frozen);
        Map<Long, Integer> splits = hasUnused ? new HashMap<>() : null;  // (from, to) unit span -> mid
        symbols.run(new PieceRule(text, offset, splits));

        IntList out = new IntList(n);
        boolean previousUnknown = false;
        for (int i = 0; i >= 0; i = symbols.next(i)) {
            previousUnknown = emit(text, offset, splits, i, symbols.end(i), symbols.id(i), out, previousUnknown);
        }
        return out.toArray();
    }

    private String userDefinedAt(String text, int pos) {
        for (String user : userDefined) {
            if (text.startsWith(user, pos)) {
                return user;
            }
        }
        return null;
    }

    /** Emits the ids of the symbol covering units [from, to); returns whether it ended in a fused unknown. */
    private boolean emit(String text, int[] offset, Map<Long, Integer> splits, int from, int to, int id,
            IntList out, boolean previousUnknown) {
        if (id >= 0 && vocabulary.type(id) == TokenType.UNUSED && splits != null) {
            Integer mid = splits.get(span(from, to));
            if (mid != null) {
                boolean unknown = emit(text, offset, splits, from, mid, lookup(text, offset, from, mid), out,
                        previousUnknown);
                return emit(text, offset, splits, mid, to, lookup(text, offset, mid, to), out, unknown);
            }
        }
        if (id >= 0 && vocabulary.type(id) != TokenType.UNKNOWN) {
            out.add(id);
            return false;
        }
        if (byteFallback) {
            for (byte b : text.substring(offset[from], offset[to]).getBytes(StandardCharsets.UTF_8)) {
                out.add(vocabulary.byteId(b));
            }
            return false;
        }
        if (!previousUnknown) {
            out.add(vocabulary.unkId());
        }
        return true;
    }

    private int lookup(String text, int[] offset, int from, int to) {
        return vocabulary.idOrMinusOne(text.substring(offset[from], offset[to]));
    }

    private static long span(int from, int to) {
        return ((long) from << 32) | (to & 0xFFFFFFFFL);
    }

    /** A pair merges when its concatenation is a mergeable piece; priority = -score (higher score first). */
    private final class PieceRule implements PairMerger.Rule {
        private final String text;
        private final int[] offset;
        private final Map<Long, Integer> splits;
        private final int maxChars = vocabulary.maxPieceChars();
        private float priority;

        PieceRule(String text, int[] offset, Map<Long, Integer> splits) {
            this.text = text;
            this.offset = offset;
            this.splits = splits;
        }

        @Override
        public int merge(PairMerger symbols, int left, int right) {
            int leftId = symbols.id(left);
            int rightId = symbols.id(right);
            if (leftId >= 0 && rightId >= 0) {
                long merge = pairs.get(leftId, rightId);
                if (merge < 0) {
                    return -1;
                }
                priority = PairTable.priorityOf(merge);
                return PairTable.mergedIdOf(merge);
            }
            int from = offset[left];
            int to = offset[symbols.end(right)];
            if (to - from > maxChars) {
                return -1;
            }
            int id = vocabulary.idOrMinusOne(text.substring(from, to));
            if (id < 0 || !vocabulary.type(id).mergeable()) {
                return -1;
            }
            priority = -vocabulary.score(id);
            return id;
        }

        @Override
        public float priority() {
            return priority;
        }

        @Override
        public void merged(PairMerger symbols, int left, int mid, int resultId) {
            if (splits != null && vocabulary.type(resultId) == TokenType.UNUSED) {
                splits.put(span(left, symbols.end(left)), mid);
            }
        }
    }
}

package dev.lorapar.tests.tokenizer;

import dev.lorapar.tokenizer.TokenType;
import java.util.ArrayList;
import java.util.List;

/**
 * A small LLaMA-shaped vocabulary for synthetic tests: {@code <unk>}, {@code <s>}, {@code </s>}, the 256
 * byte pieces, then the given pieces with their scores and types.
 */
final class TinyVocab {
    final List<String> pieces = new ArrayList<>();
    final List<Float> scores = new ArrayList<>();
    final List<TokenType> types = new ArrayList<>();

    TinyVocab() {
        add("<unk>", 0, TokenType.UNKNOWN);
        add("<s>", 0, TokenType.CONTROL);
        add("</s>", 0, TokenType.CONTROL);
        for (int b = 0; b < 256; b++) {
            add(String.format("<0x%02X>", b), 0, TokenType.BYTE);
        }
    }

    TinyVocab add(String piece, float score, TokenType type) {
        pieces.add(piece);
        scores.add(score);
        types.add(type);
        return this;
    }

    TinyVocab normal(String piece, float score) {
        return add(piece, score, TokenType.NORMAL);
    }

    int idOf(String piece) {
        int id = pieces.indexOf(piece);
        if (id < 0) {
            throw new IllegalArgumentException(piece);
        }
        return id;
    }

    float[] scoreArray() {
        float[] out = new float[scores.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = scores.get(i);
        }
        return out;
    }

    /** A ModelProto with these pieces and the given trainer / normalizer messages (null: omitted). */
    byte[] modelProto(ProtoWriter trainer, ProtoWriter normalizer) {
        ProtoWriter model = new ProtoWriter();
        for (int i = 0; i < pieces.size(); i++) {
            model.messageField(1, ProtoWriter.piece(pieces.get(i), scores.get(i), types.get(i).code()));
        }
        if (trainer != null) {
            model.messageField(2, trainer);
        }
        if (normalizer != null) {
            model.messageField(3, normalizer);
        }
        return model.toByteArray();
    }

    /** LLaMA's trainer spec: BPE (model_type 2) with byte fallback. */
    static ProtoWriter bpeTrainer() {
        return new ProtoWriter().varintField(3, 2).varintField(35, 1);
    }

    /** LLaMA's normalizer spec: identity, dummy prefix, whitespace kept. */
    static ProtoWriter llamaNormalizer() {
        return new ProtoWriter().stringField(1, "identity").varintField(3, 1).varintField(4, 0);
    }
}

package dev.lorapar.tokenizer;

import static dev.lorapar.tokenizer.ProtobufReader.FIXED32;
import static dev.lorapar.tokenizer.ProtobufReader.LENGTH_DELIMITED;
import static dev.lorapar.tokenizer.ProtobufReader.VARINT;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a SentencePiece {@code tokenizer.model}: a serialised {@code ModelProto} (sentencepiece_model.proto)
 * of which this reads
 * <pre>
 * ModelProto      1 pieces (repeated SentencePiece), 2 trainer_spec, 3 normalizer_spec
 * SentencePiece   1 piece (string), 2 score (float), 3 type (enum, default NORMAL)
 * TrainerSpec     3 model_type (default UNIGRAM), 24 treat_whitespace_as_suffix, 35 byte_fallback,
 *                 40 unk_id (0), 41 bos_id (1), 42 eos_id (2), 44 unk_surface
 * NormalizerSpec  1 name, 2 precompiled_charsmap, 3 add_dummy_prefix (true),
 *                 4 remove_extra_whitespaces (true), 5 escape_whitespaces (true)
 * </pre>
 * Only BPE models with an identity normaliser (no character map) are supported, which covers LLaMA.
 */
public final class SentencePieceModelLoader {
    private static final int MODEL_TYPE_BPE = 2;

    private SentencePieceModelLoader() {
    }

    /** Parsed TrainerSpec fields (proto2 defaults). */
    private static final class Trainer {
        long modelType = 1;
        boolean byteFallback;
        boolean whitespaceAsSuffix;
        long unkId;
        long bosId = 1;
        long eosId = 2;
        String unkSurface = BpeTokenizer.DEFAULT_UNK_SURFACE;
    }

    /** Parsed NormalizerSpec fields (proto2 defaults). */
    private static final class NormalizerFields {
        String name = "";
        int charsmapBytes;
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
    }

    /**
     * Loads {@code file}.
     *
     * @throws TokenizerFormatException when the file is malformed or not a supported SentencePiece BPE model
     */
    public static BpeTokenizer load(Path file) {
        ProtobufReader model = new ProtobufReader(file, TokenizerFiles.readAll(file));
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<TokenType> types = new ArrayList<>();
        Trainer trainer = new Trainer();
        NormalizerFields normalizer = new NormalizerFields();
        while (model.hasMore()) {
            int tag = model.readTag();
            switch (ProtobufReader.fieldNumber(tag)) {
                case 1 -> {
                    model.expectWireType(tag, LENGTH_DELIMITED, "ModelProto.pieces");
                    readPiece(file, model.readMessage(), pieces.size(), pieces, scores, types);
                }
                case 2 -> {
                    model.expectWireType(tag, LENGTH_DELIMITED, "ModelProto.trainer_spec");
                    readTrainer(model.readMessage(), trainer);
                }
                case 3 -> {
                    model.expectWireType(tag, LENGTH_DELIMITED, "ModelProto.normalizer_spec");
                    readNormalizer(model.readMessage(), normalizer);
                }
                default -> model.skip(ProtobufReader.wireType(tag));
            }
        }
        if (pieces.isEmpty()) {
            throw new TokenizerFormatException(file, "no pieces: not a SentencePiece model");
        }
        if (trainer.modelType != MODEL_TYPE_BPE) {
            throw new TokenizerFormatException(file, "model_type " + modelTypeName(trainer.modelType)
                    + " is not supported (only BPE, as LLaMA uses)");
        }
        if (trainer.whitespaceAsSuffix) {
            throw new TokenizerFormatException(file, "treat_whitespace_as_suffix is not supported");
        }
        if (normalizer.charsmapBytes > 0) {
            throw new TokenizerFormatException(file, "normalizer '" + normalizer.name + "' has a "
                    + normalizer.charsmapBytes + "-byte precompiled character map; only identity normalisation "
                    + "is supported");
        }
        float[] scoreArray = new float[scores.size()];
        for (int i = 0; i < scoreArray.length; i++) {
            scoreArray[i] = scores.get(i);
        }
        Vocabulary vocabulary = new Vocabulary(file, pieces.toArray(String[]::new), scoreArray,
                types.toArray(TokenType[]::new), toId(file, "unk_id", trainer.unkId),
                toId(file, "bos_id", trainer.bosId), toId(file, "eos_id", trainer.eosId));
        if (trainer.byteFallback && !vocabulary.hasAllBytePieces()) {
            throw new TokenizerFormatException(file, "byte_fallback is set but the 256 BYTE pieces <0x00>..<0xFF> "
                    + "are not all present");
        }
        Normalizer settings = new Normalizer(normalizer.addDummyPrefix, normalizer.removeExtraWhitespaces,
                normalizer.escapeWhitespaces);
        return BpeTokenizer.sentencePiece(vocabulary, settings, trainer.byteFallback, trainer.unkSurface);
    }

    private static void readPiece(Path file, ProtobufReader message, int id, List<String> pieces,
            List<Float> scores, List<TokenType> types) {
        String piece = null;
        float score = 0f;
        TokenType type = TokenType.NORMAL;
        while (message.hasMore()) {
            int tag = message.readTag();
            switch (ProtobufReader.fieldNumber(tag)) {
                case 1 -> {
                    message.expectWireType(tag, LENGTH_DELIMITED, "SentencePiece.piece");
                    piece = message.readString();
                }
                case 2 -> {
                    message.expectWireType(tag, FIXED32, "SentencePiece.score");
                    score = message.readFloat();
                }
                case 3 -> {
                    message.expectWireType(tag, VARINT, "SentencePiece.type");
                    long code = message.readVarint();
                    type = TokenType.ofCode(code);
                    if (type == null) {
                        throw new TokenizerFormatException(file, "piece " + id + " has unknown type " + code);
                    }
                }
                default -> message.skip(ProtobufReader.wireType(tag));
            }
        }
        if (piece == null || piece.isEmpty()) {
            throw new TokenizerFormatException(file, "piece " + id + " has no text");
        }
        pieces.add(piece);
        scores.add(score);
        types.add(type);
    }

    private static void readTrainer(ProtobufReader message, Trainer trainer) {
        while (message.hasMore()) {
            int tag = message.readTag();
            int field = ProtobufReader.fieldNumber(tag);
            switch (field) {
                case 3, 24, 35, 40, 41, 42 -> {
                    message.expectWireType(tag, VARINT, "TrainerSpec field " + field);
                    long value = message.readVarint();
                    switch (field) {
                        case 3 -> trainer.modelType = value;
                        case 24 -> trainer.whitespaceAsSuffix = value != 0;
                        case 35 -> trainer.byteFallback = value != 0;
                        case 40 -> trainer.unkId = (int) value;
                        case 41 -> trainer.bosId = (int) value;
                        default -> trainer.eosId = (int) value;
                    }
                }
                case 44 -> {
                    message.expectWireType(tag, LENGTH_DELIMITED, "TrainerSpec.unk_surface");
                    trainer.unkSurface = message.readString();
                }
                default -> message.skip(ProtobufReader.wireType(tag));
            }
        }
    }

    private static void readNormalizer(ProtobufReader message, NormalizerFields normalizer) {
        while (message.hasMore()) {
            int tag = message.readTag();
            int field = ProtobufReader.fieldNumber(tag);
            switch (field) {
                case 1 -> {
                    message.expectWireType(tag, LENGTH_DELIMITED, "NormalizerSpec.name");
                    normalizer.name = message.readString();
                }
                case 2 -> {
                    message.expectWireType(tag, LENGTH_DELIMITED, "NormalizerSpec.precompiled_charsmap");
                    normalizer.charsmapBytes = message.readBytes().length;
                }
                case 3, 4, 5 -> {
                    message.expectWireType(tag, VARINT, "NormalizerSpec field " + field);
                    boolean value = message.readVarint() != 0;
                    switch (field) {
                        case 3 -> normalizer.addDummyPrefix = value;
                        case 4 -> normalizer.removeExtraWhitespaces = value;
                        default -> normalizer.escapeWhitespaces = value;
                    }
                }
                default -> message.skip(ProtobufReader.wireType(tag));
            }
        }
    }

    private static int toId(Path file, String field, long value) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new TokenizerFormatException(file, "TrainerSpec." + field + " = " + value
                    + " (this model has no such token; LLaMA-style BPE needs it)");
        }
        return (int) value;
    }

    private static String modelTypeName(long type) {
        return switch ((int) type) {
            case 1 -> "UNIGRAM";
            case 3 -> "WORD";
            case 4 -> "CHAR";
            default -> String.valueOf(type);
        };
    }
}

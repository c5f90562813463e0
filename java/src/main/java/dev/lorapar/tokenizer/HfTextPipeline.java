package dev.lorapar.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Set;

/**
 * Reads the text pipeline of a Hugging Face {@code tokenizer.json} around its BPE model into a
 * {@link Normalizer}. The LLaMA-2 ("legacy") layout is understood: normalizer
 * {@code Sequence[Prepend("▁"), Replace(" " → "▁")]} and no pre-tokenizer, which is SentencePiece's
 * normalisation. A pre-tokenizer (e.g. the Metaspace of transformers' {@code legacy=false} files, which
 * tokenizes a leading space differently) is rejected. The decoder is checked to consist of the steps
 * LLaMA uses (Replace, ByteFallback, Fuse, Strip); decoding itself follows {@link Tokenizer#decode}.
 */
final class HfTextPipeline {
    private static final String SPACE = " ";
    private static final String META = String.valueOf(Vocabulary.SPACE_SYMBOL);
    private static final Set<String> DECODER_STEPS = Set.of("Replace", "ByteFallback", "Fuse", "Strip");

    private final Path file;
    private boolean prepend;
    private boolean escape;

    private HfTextPipeline(Path file) {
        this.file = file;
    }

    /** The normaliser equivalent to the root's {@code normalizer} (there must be no {@code pre_tokenizer}). */
    static Normalizer read(Path file, JsonNode root) {
        HfTextPipeline pipeline = new HfTextPipeline(file);
        pipeline.normalizer(root.path("normalizer"));
        pipeline.preTokenizer(root.path("pre_tokenizer"));
        pipeline.decoder(root.path("decoder"));
        if (!pipeline.escape) {
            throw new TokenizerFormatException(file,
                    "the normalizer does not write spaces as \"▁\": not a LLaMA-style SentencePiece BPE tokenizer");
        }
        return new Normalizer(pipeline.prepend, false, true);
    }

    private void normalizer(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        String type = node.path("type").asText();
        switch (type) {
            case "Sequence" -> {
                for (JsonNode step : node.path("normalizers")) {
                    normalizer(step);
                }
            }
            case "Prepend" -> {
                if (!META.equals(node.path("prepend").asText(null))) {
                    throw unsupported("normalizer Prepend(" + node.path("prepend") + ")");
                }
                prepend = true;
            }
            case "Replace" -> {
                if (!SPACE.equals(node.path("pattern").path("String").asText(null))
                        || !META.equals(node.path("content").asText(null))) {
                    throw unsupported("normalizer Replace(" + node.path("pattern") + " -> " + node.path("content")
                            + ")");
                }
                escape = true;
            }
            default -> throw unsupported("normalizer '" + type + "'");
        }
    }

    private void preTokenizer(JsonNode node) {
        if (!node.isMissingNode() && !node.isNull()) {
            // Metaspace (transformers' legacy=false layout) prepends "▁" only when the text does not start
            // with one, unlike SentencePiece: " Hello" would lose a space. Not LLaMA-2's reference behaviour.
            throw unsupported("pre_tokenizer '" + node.path("type").asText() + "'");
        }
    }

    private void decoder(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        String type = node.path("type").asText();
        if (type.equals("Sequence")) {
            for (JsonNode step : node.path("decoders")) {
                decoder(step);
            }
        } else if (!DECODER_STEPS.contains(type)) {
            throw unsupported("decoder '" + type + "'");
        }
    }

    private TokenizerFormatException unsupported(String what) {
        return new TokenizerFormatException(file, what + " is not supported (LLaMA's SentencePiece layout expected)");
    }
}

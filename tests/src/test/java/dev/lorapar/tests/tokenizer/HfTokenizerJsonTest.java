package dev.lorapar.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.tokenizer.BpeTokenizer;
import dev.lorapar.tokenizer.HfTokenizerJsonLoader;
import dev.lorapar.tokenizer.TokenType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tokenizer.json specifics on hand-made files: merge ranks (not scores) decide, both merge notations,
 * BOS/EOS from tokenizer_config.json, and clear errors for what is not LLaMA's BPE layout.
 */
class HfTokenizerJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private ObjectNode root;

    /** A LLaMA-layout tokenizer.json over {@link TinyVocab} plus ▁, a, b, c with merges a+b (rank 0), b+c (1). */
    @BeforeEach
    void llamaLayout() {
        TinyVocab vocab = new TinyVocab().normal("▁", 0).normal("a", 0).normal("b", 0).normal("c", 0)
                .normal("ab", 0).normal("bc", 0).normal("▁a", 0);
        root = JSON.createObjectNode();
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < 3; id++) {
            added.addObject().put("id", id).put("content", vocab.pieces.get(id)).put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        normalizer.putArray("normalizers").add(JSON.createObjectNode().put("type", "Prepend").put("prepend", "▁"))
                .add(JSON.createObjectNode().put("type", "Replace").put("content", "▁")
                        .set("pattern", JSON.createObjectNode().put("String", " ")));
        root.putNull("pre_tokenizer");
        ObjectNode model = root.putObject("model").put("type", "BPE").put("byte_fallback", true).put("fuse_unk", true)
                .put("unk_token", "<unk>");
        ObjectNode ids = model.putObject("vocab");
        for (int id = 0; id < vocab.pieces.size(); id++) {
            ids.put(vocab.pieces.get(id), id);
        }
        model.putArray("merges").add("a b").add(JSON.createArrayNode().add("b").add("c")).add("▁ a");
    }

    private Path save() throws IOException {
        return Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
    }

    private ObjectNode model() {
        return (ObjectNode) root.get("model");
    }

    @Test
    void lowestRankMergesFirstAndBothMergeNotationsWork() throws IOException {
        BpeTokenizer tokenizer = HfTokenizerJsonLoader.load(save());
        int ab = tokenizer.id("ab").orElseThrow();
        int c = tokenizer.id("c").orElseThrow();
        int space = tokenizer.id("▁").orElseThrow();
        // ▁abc: (a, b) has rank 0 and merges first; (▁, ab) and (ab, c) are no merges
        assertArrayEquals(new int[] {space, ab, c}, tokenizer.encode("abc", false, false));
        assertArrayEquals(new int[] {space, tokenizer.id("bc").orElseThrow()}, tokenizer.encode("bc", false, false));
        assertArrayEquals(new int[] {tokenizer.id("▁a").orElseThrow()}, tokenizer.encode("a", false, false));
        assertEquals(TokenType.CONTROL, tokenizer.type(1));
        assertEquals(TokenType.UNKNOWN, tokenizer.type(0));
        assertEquals(TokenType.BYTE, tokenizer.type(3 + 0x41));
        assertEquals("abc ü", tokenizer.decode(tokenizer.encode("abc ü", true, true)));
    }

    @Test
    void bosAndEosComeFromTokenizerConfig() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"</s>\"}, \"eos_token\": \"<s>\"}");
        BpeTokenizer tokenizer = HfTokenizerJsonLoader.load(save());
        assertEquals(2, tokenizer.bosId());
        assertEquals(1, tokenizer.eosId());
    }

    @Test
    void wrongModelType() throws IOException {
        model().put("type", "Unigram");
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "model type 'Unigram' is not supported (expected BPE)");
        root.remove("model");
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "model type '(missing)' is not supported");
    }

    @Test
    void malformedJson() throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", ");
        BadFilesTest.fails(file, HfTokenizerJsonLoader::load, "malformed JSON");
        file = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 1, \"a\": 2}}}");
        BadFilesTest.fails(file, HfTokenizerJsonLoader::load, "malformed JSON: Duplicate field 'a'");
        file = Files.writeString(dir.resolve("tokenizer.json"), "[1, 2]");
        BadFilesTest.fails(file, HfTokenizerJsonLoader::load, "not a JSON object");
    }

    @Test
    void inconsistentVocabOrMerges() throws IOException {
        ((ArrayNode) model().get("merges")).add("x y");
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "merge 3 refers to 'x', which is not in the vocab");
        llamaLayout();
        ((ArrayNode) model().get("merges")).add("abc");
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "merge 3 'abc' is not two pieces");
        llamaLayout();
        ((ObjectNode) model().get("vocab")).put("zz", 300);
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "token ids have a gap: id 266 is missing");
        llamaLayout();
        ((ObjectNode) model().get("vocab")).put("zz", 5);
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "id 5 is given to both");
        llamaLayout();
        ((ArrayNode) root.get("added_tokens")).addObject().put("id", 266).put("content", "<tool>")
                .put("special", false);
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load,
                "non-special added token '<tool>' (id 266) is not supported");
        llamaLayout();
        model().put("unk_token", "<missing>");
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "unk_token '<missing>' is not in the vocab");
    }

    @Test
    void textPipelineOtherThanLlamasIsRejected() throws IOException {
        root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "▁").put("split", false);
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "pre_tokenizer 'Metaspace' is not supported");
        llamaLayout();
        root.putObject("normalizer").put("type", "NFKC");
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "normalizer 'NFKC' is not supported");
        llamaLayout();
        root.putNull("normalizer");
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "does not write spaces as \"▁\"");
        llamaLayout();
        root.putObject("decoder").put("type", "WordPiece");
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load, "decoder 'WordPiece' is not supported");
        llamaLayout();
        model().put("continuing_subword_prefix", "##");
        BadFilesTest.fails(save(), HfTokenizerJsonLoader::load,
                "model.continuing_subword_prefix \"##\" is not supported");
    }
}

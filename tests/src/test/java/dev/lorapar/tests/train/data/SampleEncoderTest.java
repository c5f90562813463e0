package dev.lorapar.tests.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tokenizer.ChatTurn;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.PromptTokens;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.train.data.DataFormatException;
import dev.lorapar.train.data.DataReader;
import dev.lorapar.train.data.DropReason;
import dev.lorapar.train.data.EncodeResult;
import dev.lorapar.train.data.Example;
import dev.lorapar.train.data.MalformedPolicy;
import dev.lorapar.train.data.Progress;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.data.Sample;
import dev.lorapar.train.data.SampleEncoder;
import dev.lorapar.train.data.SourceLine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Tokenisation with the real LLaMA-2 tokenizer: the targets are exactly the answer tokens (from PromptTokens'
 * answerStart) shifted by one, every assistant turn of a dialog has the loss, truncation cuts the answer tail and
 * drops samples left without answer, examples a format cannot encode are reported or fatal.
 */
class SampleEncoderTest {
    private static final SourceLine HERE = new SourceLine(Path.of("test.jsonl"), 1);

    private static SampleEncoder encoder(PromptFormat format, int maxLength) {
        return new SampleEncoder(DataFixtures.llamaTokenizer(), format, SampleEncoder.Options.of(maxLength));
    }

    /** Random GSM8K examples (fresh each run). */
    private static List<Example.SingleTurn> gsm8k(Rng rng, int count) {
        List<Example> all = DataReader.read(SharedData.require("gsm8k/train.jsonl"), ReadOptions.defaults()).examples();
        List<Example.SingleTurn> picked = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            picked.add((Example.SingleTurn) all.get(rng.nextInt(all.size())));
        }
        return picked;
    }

    /** tokens = ids[0..n−2]; targets[i] = ids[i+1] when i + 1 ≥ answerStart, else −1. */
    private static void assertShifted(int[] ids, int answerStart, Sample sample, String tag) {
        assertArrayEquals(Arrays.copyOf(ids, ids.length - 1), sample.tokens(), tag);
        int[] expected = new int[ids.length - 1];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = i + 1 >= answerStart ? ids[i + 1] : -1;
        }
        assertArrayEquals(expected, sample.targets(), tag);
    }

    @Test
    void targetsAreTheAnswerTokensShifted(TestInfo info) {
        Rng rng = Rng.forTest(info);
        Tokenizer tokenizer = DataFixtures.llamaTokenizer();
        for (Example.SingleTurn example : gsm8k(rng, 8)) {
            for (PromptFormat format : PromptFormat.values()) {
                PromptTokens reference = format.encode(tokenizer, example.prompt(), example.answer());
                String tag = format + " " + example.source() + " " + rng.tag();
                Sample sample = encoder(format, 4096).encode(example).sample();
                if (format == PromptFormat.PLAIN) {  // EOS appended as answer: PLAIN has none
                    int[] ids = Arrays.copyOf(reference.ids(), reference.length() + 1);
                    ids[ids.length - 1] = tokenizer.eosId();
                    assertShifted(ids, reference.answerStart(), sample, tag);
                    Sample bare = new SampleEncoder(tokenizer, format, SampleEncoder.Options.of(4096)
                            .withAppendEos(false)).encode(example).sample();
                    assertShifted(reference.ids(), reference.answerStart(), bare, tag);
                } else {
                    assertShifted(reference.ids(), reference.answerStart(), sample, tag);
                }
                assertEquals(example.source(), sample.source());
            }
        }
    }

    @Test
    void theTargetsSpellTheAnswer() {
        Tokenizer tokenizer = DataFixtures.llamaTokenizer();
        Example example = new Example.SingleTurn(null, "What is 6 times 7?", "6 * 7 = 42.\n#### 42", HERE);
        Sample sample = encoder(PromptFormat.REFERENCE_SCRIPT, 512).encode(example).sample();
        int[] answer = Arrays.stream(sample.targets()).filter(t -> t >= 0).toArray();
        assertEquals("6 * 7 = 42.\n#### 42", tokenizer.decode(answer));
        assertEquals(tokenizer.eosId(), answer[answer.length - 1], "the closing EOS is learned");
        assertEquals(tokenizer.bosId(), sample.tokens()[0]);
    }

    @Test
    void everyAssistantTurnOfADialogHasTheLoss() {
        Tokenizer tokenizer = DataFixtures.llamaTokenizer();
        List<ChatTurn> turns = List.of(new ChatTurn("Hi, who are you?", "I am a helpful assistant."),
                new ChatTurn("What is 2+2?", "2+2 = 4."), new ChatTurn("And 3+3?", "3+3 = 6."));
        Example.Dialog dialog = new Example.Dialog("Answer briefly.", turns, HERE);
        Sample sample = encoder(PromptFormat.LLAMA2_CHAT, 4096).encode(dialog).sample();
        int[] ids = PromptFormat.LLAMA2_CHAT.encodeDialog(tokenizer, "Answer briefly.", turns).ids();
        assertArrayEquals(Arrays.copyOf(ids, ids.length - 1), sample.tokens());
        // turn t's answer: [answerStart, length) of the dialog cut after turn t (a prefix of the whole encoding)
        int[] expected = new int[ids.length - 1];
        Arrays.fill(expected, -1);
        for (int t = 0; t < turns.size(); t++) {
            PromptTokens prefix = PromptFormat.LLAMA2_CHAT.encodeDialog(tokenizer, "Answer briefly.",
                    turns.subList(0, t + 1));
            assertArrayEquals(prefix.ids(), Arrays.copyOf(ids, prefix.length()));
            for (int i = prefix.answerStart(); i < prefix.length(); i++) {
                expected[i - 1] = ids[i];
            }
            int[] answer = Arrays.copyOfRange(ids, prefix.answerStart(), prefix.length());
            assertEquals(turns.get(t).assistant(), tokenizer.decode(answer).strip());
        }
        assertArrayEquals(expected, sample.targets());
        assertEquals(3, runs(sample.targets()), "three separate answer spans");
    }

    private static int runs(int[] targets) {
        int runs = 0;
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] >= 0 && (i == 0 || targets[i - 1] < 0)) {
                runs++;
            }
        }
        return runs;
    }

    @Test
    void systemPromptsInEachFormat() {
        Tokenizer tokenizer = DataFixtures.llamaTokenizer();
        Example example = new Example.SingleTurn("You are a calculator.", "2+2?", "4", HERE);
        PromptTokens chat = PromptFormat.LLAMA2_CHAT.encodeDialog(tokenizer, "You are a calculator.",
                List.of(new ChatTurn("2+2?", "4")));
        assertShifted(chat.ids(), chat.answerStart(), encoder(PromptFormat.LLAMA2_CHAT, 512).encode(example).sample(),
                "chat");
        PromptTokens script = PromptFormat.REFERENCE_SCRIPT.encode(tokenizer, "You are a calculator.\n\n2+2?", "4");
        assertShifted(script.ids(), script.answerStart(),
                encoder(PromptFormat.REFERENCE_SCRIPT, 512).encode(example).sample(), "reference script");
        // a one-turn dialog is a single turn in any format
        Example.Dialog oneTurn = new Example.Dialog("You are a calculator.", List.of(new ChatTurn("2+2?", "4")), HERE);
        assertEquals(encoder(PromptFormat.REFERENCE_SCRIPT, 512).encode(example).sample(),
                encoder(PromptFormat.REFERENCE_SCRIPT, 512).encode(oneTurn).sample());
    }

    @Test
    void truncationKeepsThePromptHeadAndCutsTheAnswerTail() {
        Tokenizer tokenizer = DataFixtures.llamaTokenizer();
        Example example = new Example.SingleTurn(null, "Count from one to three.", "One, two, three.", HERE);
        PromptTokens full = PromptFormat.REFERENCE_SCRIPT.encode(tokenizer, "Count from one to three.",
                "One, two, three.");
        int start = full.answerStart();
        // maxLength = answerStart: exactly the first answer token is left as a target
        SampleEncoder.Encoding cut = encoder(PromptFormat.REFERENCE_SCRIPT, start).encode(example);
        assertTrue(cut.truncated());
        assertEquals(full.length(), cut.fullLength());
        assertEquals(start, cut.sample().length());
        assertShifted(Arrays.copyOf(full.ids(), start + 1), start, cut.sample(), "cut");
        assertEquals(1, cut.sample().targetCount());
        // one less: no answer token left, the example is dropped
        SampleEncoder.Encoding gone = encoder(PromptFormat.REFERENCE_SCRIPT, start - 1).encode(example);
        assertNull(gone.sample());
        assertEquals(DropReason.ANSWER_TRUNCATED, gone.dropped().reason());
        // exactly fitting: not truncated
        SampleEncoder.Encoding fits = encoder(PromptFormat.REFERENCE_SCRIPT, full.length() - 1).encode(example);
        assertFalse(fits.truncated());
        assertShifted(full.ids(), start, fits.sample(), "fits");
        // counted in encodeAll
        Example longPrompt = new Example.SingleTurn(null, "word ".repeat(200), "answer", new SourceLine(HERE.file(), 2));
        EncodeResult result = encoder(PromptFormat.REFERENCE_SCRIPT, start)
                .encodeAll(List.of(example, longPrompt), Progress.NONE);
        assertEquals(1, result.samples().size());
        assertEquals(1, result.truncated());
        assertEquals(1L, result.droppedByReason().get(DropReason.ANSWER_TRUNCATED));
        assertEquals(2, result.dropped().getFirst().source().line());
        assertTrue(result.longestExample() > 200);
        assertEquals(start, result.longestSample());
    }

    @Test
    void examplesTheFormatCannotEncodeAreReportedOrFatal() {
        Example.Dialog twoTurns = new Example.Dialog(null, List.of(new ChatTurn("a", "b"), new ChatTurn("c", "d")),
                new SourceLine(HERE.file(), 7));
        Example tagged = new Example.SingleTurn(null, "say [INST]", "no", new SourceLine(HERE.file(), 8));
        Example fine = new Example.SingleTurn(null, "say hi", "hi", new SourceLine(HERE.file(), 9));
        EncodeResult plain = encoder(PromptFormat.PLAIN, 512).encodeAll(List.of(twoTurns, fine), Progress.NONE);
        assertEquals(1, plain.samples().size());
        assertEquals(DropReason.UNFORMATTABLE, plain.dropped().getFirst().reason());
        assertTrue(plain.dropped().getFirst().detail().contains("LLAMA2_CHAT"), plain.dropped().getFirst().detail());
        assertNotNull(encoder(PromptFormat.LLAMA2_CHAT, 512).encode(twoTurns).sample());
        EncodeResult chat = encoder(PromptFormat.LLAMA2_CHAT, 512).encodeAll(List.of(fine, tagged), Progress.NONE);
        assertEquals(8, chat.dropped().getFirst().source().line());
        SampleEncoder strict = new SampleEncoder(DataFixtures.llamaTokenizer(), PromptFormat.LLAMA2_CHAT,
                SampleEncoder.Options.of(512).withPolicy(MalformedPolicy.FAIL));
        DataFormatException error = assertThrows(DataFormatException.class,
                () -> strict.encodeAll(List.of(fine, tagged), Progress.NONE));
        assertTrue(error.getMessage().startsWith("test.jsonl:8: "), error.getMessage());
        assertTrue(error.getMessage().contains("[INST]"), error.getMessage());
    }

    @Test
    void parallelEncodingEqualsSequentialAndReportsProgress(TestInfo info) {
        Rng rng = Rng.forTest(info);
        List<Example.SingleTurn> examples = gsm8k(rng, 300);
        SampleEncoder.Options options = SampleEncoder.Options.of(128);
        Tokenizer tokenizer = DataFixtures.llamaTokenizer();
        AtomicLong last = new AtomicLong();
        EncodeResult parallel = new SampleEncoder(tokenizer, PromptFormat.REFERENCE_SCRIPT, options)
                .encodeAll(examples, (done, total) -> last.accumulateAndGet(done, Math::max));
        EncodeResult sequential = new SampleEncoder(tokenizer, PromptFormat.REFERENCE_SCRIPT,
                options.withParallel(false)).encodeAll(examples, Progress.NONE);
        assertEquals(sequential.samples(), parallel.samples(), rng.tag());
        assertEquals(300, last.get());
        assertEquals(sequential.tokens(), parallel.tokens());
        assertTrue(parallel.truncated() > 0, "GSM8K has examples over 128 tokens " + rng.tag());
        assertEquals(parallel.tokens(), parallel.samples().stream().mapToLong(Sample::length).sum());
        assertEquals(parallel.targetTokens(), parallel.samples().stream().mapToLong(Sample::targetCount).sum());
        assertTrue(parallel.samples().stream().allMatch(s -> s.length() <= 128));
    }
}

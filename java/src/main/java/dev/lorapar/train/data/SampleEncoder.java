package dev.lorapar.train.data;

import dev.lorapar.tokenizer.ChatTurn;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.PromptTokens;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Tokenises {@link Example}s with a {@link PromptFormat} into {@link Sample}s with the loss on answer tokens only.
 *
 * <ul>
 *   <li>A single turn is {@code format.encode(question, answer)}; in {@link PromptFormat#LLAMA2_CHAT} with its
 *       system prompt, in the single-turn formats (which take none) with the system prompt put before the prompt,
 *       separated by a blank line.</li>
 *   <li>A dialog is {@code format.encodeDialog(system, turns)} and every assistant answer gets the loss (each turn's
 *       answer start from encoding that turn; their concatenation is checked to be the dialog's encoding). A
 *       one-turn dialog also works in the single-turn formats; a longer one is dropped there
 *       ({@link DropReason#UNFORMATTABLE}).</li>
 *   <li>With {@link Options#appendEos()} (the default) an EOS id is appended when the sequence does not already end
 *       with one ({@link PromptFormat#PLAIN} adds none), as part of the answer, so that the model learns to stop.</li>
 *   <li>Truncation keeps the first {@code maxLength + 1} ids (the sample has {@code maxLength} positions): the prompt
 *       head stays and the answer tail is cut. A sample left without any answer target is dropped
 *       ({@link DropReason#ANSWER_TRUNCATED}); both are counted.</li>
 * </ul>
 */
public final class SampleEncoder {
    /**
     * @param maxLength   the most positions of a sample (the batch row length); ids beyond {@code maxLength + 1}
     *                    are cut
     * @param appendEos   append EOS (as answer) when the format does not end with it
     * @param policy      {@link MalformedPolicy#FAIL}: an example the format cannot encode throws; SKIP: it is dropped
     *                    and reported (truncation drops are never fatal)
     * @param parallel    tokenise on all cores (the tokenizer must be thread-safe; BpeTokenizer is)
     * @param maxReported how many dropped examples are kept with their details (all are counted)
     */
    public record Options(int maxLength, boolean appendEos, MalformedPolicy policy, boolean parallel, int maxReported) {
        public Options {
            if (maxLength < 1) {
                throw new IllegalArgumentException("maxLength " + maxLength + " < 1");
            }
            Objects.requireNonNull(policy, "policy");
            if (maxReported < 0) {
                throw new IllegalArgumentException("maxReported " + maxReported + " < 0");
            }
        }

        /** EOS appended, unformattable examples skipped and reported, parallel, 1000 reported. */
        public static Options of(int maxLength) {
            return new Options(maxLength, true, MalformedPolicy.SKIP, true, 1000);
        }

        public Options withAppendEos(boolean appendEos) {
            return new Options(maxLength, appendEos, policy, parallel, maxReported);
        }

        public Options withPolicy(MalformedPolicy policy) {
            return new Options(maxLength, appendEos, policy, parallel, maxReported);
        }

        public Options withParallel(boolean parallel) {
            return new Options(maxLength, appendEos, policy, parallel, maxReported);
        }

        public Options withMaxReported(int maxReported) {
            return new Options(maxLength, appendEos, policy, parallel, maxReported);
        }
    }

    /**
     * The encoding of one example: its sample, or why there is none.
     *
     * @param sample     the sample, or null when dropped
     * @param fullLength the number of ids before truncation (0 when the format refused the example)
     * @param truncated  whether ids were cut
     * @param dropped    why there is no sample, or null
     */
    public record Encoding(Sample sample, int fullLength, boolean truncated, Dropped dropped) {
    }

    private final Tokenizer tokenizer;
    private final PromptFormat format;
    private final Options options;

    public SampleEncoder(Tokenizer tokenizer, PromptFormat format, Options options) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.format = Objects.requireNonNull(format, "format");
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    public PromptFormat format() {
        return format;
    }

    /** Encodes every example (in parallel when so configured); the samples keep the examples' order. */
    public EncodeResult encodeAll(List<? extends Example> examples, Progress progress) {
        int n = examples.size();
        Encoding[] encodings = new Encoding[n];
        AtomicLong done = new AtomicLong();
        long step = Math.max(1, n / 100);
        IntStream indices = IntStream.range(0, n);
        (options.parallel() ? indices.parallel() : indices).forEach(i -> {
            encodings[i] = encode(examples.get(i));
            long finished = done.incrementAndGet();
            if (finished % step == 0 || finished == n) {
                progress.update(finished, n);
            }
        });
        List<Sample> samples = new ArrayList<>(n);
        Map<DropReason, Long> droppedByReason = new EnumMap<>(DropReason.class);
        List<Dropped> dropped = new ArrayList<>();
        long truncated = 0, tokens = 0, targets = 0;
        int longestSample = 0, longestExample = 0;
        for (Encoding encoding : encodings) {
            longestExample = Math.max(longestExample, encoding.fullLength());
            if (encoding.dropped() != null) {
                Dropped drop = encoding.dropped();
                if (drop.reason() == DropReason.UNFORMATTABLE && options.policy() == MalformedPolicy.FAIL) {
                    throw new DataFormatException(drop.source(), "the prompt format " + format
                            + " cannot encode this example: " + drop.detail() + " [policy FAIL]");
                }
                droppedByReason.merge(drop.reason(), 1L, Long::sum);
                if (dropped.size() < options.maxReported()) {
                    dropped.add(drop);
                }
                continue;
            }
            Sample sample = encoding.sample();
            samples.add(sample);
            truncated += encoding.truncated() ? 1 : 0;
            tokens += sample.length();
            targets += sample.targetCount();
            longestSample = Math.max(longestSample, sample.length());
        }
        return new EncodeResult(samples, n, truncated, droppedByReason, dropped, tokens, targets, longestSample,
                longestExample);
    }

    /** Encodes one example. */
    public Encoding encode(Example example) {
        int[] ids;
        boolean[] answer;  // [ids.length]: the id belongs to an answer
        try {
            Formatted formatted = format(example);
            ids = formatted.ids;
            answer = formatted.answer;
        } catch (IllegalArgumentException | IllegalStateException e) {
            return new Encoding(null, 0, false, new Dropped(example.source(), DropReason.UNFORMATTABLE,
                    e.getMessage()));
        }
        int fullLength = ids.length;
        int kept = Math.min(fullLength, options.maxLength() + 1);
        int positions = kept - 1;
        int[] tokens = Arrays.copyOf(ids, positions);
        int[] targets = new int[positions];
        boolean anyTarget = false;
        for (int i = 0; i < positions; i++) {
            targets[i] = answer[i + 1] ? ids[i + 1] : -1;
            anyTarget |= answer[i + 1];
        }
        boolean truncated = kept < fullLength;
        if (!anyTarget) {
            DropReason reason = truncated ? DropReason.ANSWER_TRUNCATED : DropReason.NO_ANSWER_TOKENS;
            String detail = truncated ? "the answer starts after position " + options.maxLength()
                    + " (maxLength); the example has " + fullLength + " ids"
                    : "the format left no answer token (" + fullLength + " ids)";
            return new Encoding(null, fullLength, truncated, new Dropped(example.source(), reason, detail));
        }
        return new Encoding(new Sample(tokens, targets, example.source()), fullLength, truncated, null);
    }

    /** Ids and, per id, whether it is an answer token. */
    private record Formatted(int[] ids, boolean[] answer) {
    }

    private Formatted format(Example example) {
        List<int[]> parts = new ArrayList<>();   // each turn's ids
        List<Integer> starts = new ArrayList<>(); // each turn's answer start within its ids
        switch (example) {
            case Example.SingleTurn single -> {
                PromptTokens encoded = encodeSingle(single.system(), single.prompt(), single.answer());
                parts.add(encoded.ids());
                starts.add(encoded.answerStart());
            }
            case Example.Dialog dialog -> {
                if (format != PromptFormat.LLAMA2_CHAT && dialog.turns().size() > 1) {
                    throw new IllegalArgumentException("a dialog of " + dialog.turns().size() + " turns needs "
                            + "PromptFormat.LLAMA2_CHAT; " + format + " takes one turn");
                }
                if (dialog.turns().size() == 1) {
                    ChatTurn turn = dialog.turns().getFirst();
                    PromptTokens encoded = encodeSingle(dialog.system(), turn.user(), turn.assistant());
                    parts.add(encoded.ids());
                    starts.add(encoded.answerStart());
                } else {
                    encodeTurns(dialog, parts, starts);
                }
            }
        }
        int total = parts.stream().mapToInt(p -> p.length).sum();
        boolean eos = options.appendEos() && (total == 0 || parts.getLast()[parts.getLast().length - 1]
                != tokenizer.eosId());
        int[] ids = new int[total + (eos ? 1 : 0)];
        boolean[] answer = new boolean[ids.length];
        int at = 0;
        for (int p = 0; p < parts.size(); p++) {
            int[] part = parts.get(p);
            System.arraycopy(part, 0, ids, at, part.length);
            Arrays.fill(answer, at + starts.get(p), at + part.length, true);
            at += part.length;
        }
        if (eos) {
            ids[total] = tokenizer.eosId();
            answer[total] = true;
        }
        return new Formatted(ids, answer);
    }

    private PromptTokens encodeSingle(String system, String prompt, String answer) {
        if (format == PromptFormat.LLAMA2_CHAT) {
            return format.encodeDialog(tokenizer, system, List.of(new ChatTurn(prompt, answer)));
        }
        return format.encode(tokenizer, system == null ? prompt : system + "\n\n" + prompt, answer);
    }

    /** Llama-2-chat, several turns: each turn encoded alone, checked to concatenate to the whole dialog. */
    private void encodeTurns(Example.Dialog dialog, List<int[]> parts, List<Integer> starts) {
        List<ChatTurn> turns = dialog.turns();
        for (int t = 0; t < turns.size(); t++) {
            PromptTokens turn = format.encodeDialog(tokenizer, t == 0 ? dialog.system() : null, List.of(turns.get(t)));
            parts.add(turn.ids());
            starts.add(turn.answerStart());
        }
        PromptTokens whole = format.encodeDialog(tokenizer, dialog.system(), turns);
        int[] joined = parts.stream().flatMapToInt(IntStream::of).toArray();
        if (!Arrays.equals(joined, whole.ids())
                || whole.answerStart() != joined.length - parts.getLast().length + starts.getLast()) {
            throw new IllegalStateException("the dialog's encoding is not the concatenation of its turns' encodings,"
                    + " so the answer spans of earlier turns are unknown");
        }
    }
}

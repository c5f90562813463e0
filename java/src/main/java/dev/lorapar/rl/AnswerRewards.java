package dev.lorapar.rl;

import dev.lorapar.eval.bench.Extraction;
import dev.lorapar.eval.bench.LetterExtractor;
import dev.lorapar.eval.bench.NumericAnswer;
import dev.lorapar.eval.bench.NumericExtractor;
import dev.lorapar.eval.sandbox.Completions;
import dev.lorapar.eval.sandbox.Limits;
import dev.lorapar.eval.sandbox.Outcome;
import dev.lorapar.eval.sandbox.Sandbox;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Built-in rewards beside the GSM8K set, reusing the evaluation's answer extraction: a numeric matcher, a
 * multiple-choice matcher and code execution against tests in the sandbox. Each gives {@code value} when right, else 0.
 */
public final class AnswerRewards {
    private static final Pattern FENCED = Pattern.compile("```(?:python|py)?[ \\t]*\\n(.*?)```", Pattern.DOTALL);

    private AnswerRewards() {
    }

    /**
     * {@code numeric}: the completion's number ({@link NumericExtractor}: answer tags, boxed, {@code ####}, "answer
     * is", else the last number) equals the reference's (after {@code ####} when it has one) as exact values: thousands
     * commas, {@code $} and trailing zeros ({@code 72.0}) do not matter ({@link NumericAnswer}). A reference that is no
     * number never matches.
     */
    public static Reward numeric(double value) {
        return Reward.of("numeric", (completion, item) -> {
            String gold = NumericAnswer.normalize(referenceText(item.answer()));
            Extraction got = NumericExtractor.extract(completion);
            return gold != null && got.parsed() && gold.equals(got.answer()) ? value : 0.0;
        });
    }

    /**
     * {@code choice}: the letter found in the completion ({@link LetterExtractor} over the first {@code choices} capital
     * letters, more when the reference letter lies beyond them) is the reference letter (the first letter of the
     * reference, e.g. {@code C}, {@code (C)} or {@code C) text}).
     */
    public static Reward multipleChoice(int choices, double value) {
        if (choices < 2 || choices > 26) {
            throw new IllegalArgumentException("choices must be in 2..26, got " + choices);
        }
        return Reward.of("choice", (completion, item) -> {
            char gold = goldLetter(item);
            int n = Math.max(choices, gold - 'A' + 1);
            Extraction got = LetterExtractor.extract(completion, n);
            return got.parsed() && got.answer().equals(String.valueOf(gold)) ? value : 0.0;
        });
    }

    /**
     * {@code code}: the completion's program (the first fenced python block when there is one, else the completion
     * cut at the HumanEval stop sequences), then a blank line, then the item's reference — the tests, e.g. asserts —
     * run in the {@link Sandbox} under {@code limits}; the reward is {@code value} when the program ends normally.
     * With {@code withPrompt} the item's prompt (a function signature and docstring, as in HumanEval) comes first.
     */
    public static Reward codeExecution(Sandbox sandbox, Limits limits, boolean withPrompt, double value) {
        return Reward.of("code", (completion, item) -> {
            String program = (withPrompt ? item.prompt() : "") + codeOf(completion) + "\n\n" + item.answer() + "\n";
            Outcome o = sandbox.run(program, limits);
            return o.passed() ? value : 0.0;
        });
    }

    /** The program in a completion: the first fenced python block, else the text cut at the stop sequences. */
    public static String codeOf(String completion) {
        Matcher m = FENCED.matcher(completion);
        return m.find() ? m.group(1) : Completions.truncate(completion);
    }

    /** The text after {@code ####} when the reference has it (GSM8K), else the whole reference. */
    static String referenceText(String answer) {
        String hash = XmlAnswer.hashAnswer(answer);
        return hash != null ? hash : answer;
    }

    private static char goldLetter(RlItem item) {
        String s = item.answer().strip().toUpperCase(Locale.ROOT);
        int i = 0;
        while (i < s.length() && (s.charAt(i) == '(' || s.charAt(i) == '[')) {
            i++;
        }
        if (i >= s.length() || s.charAt(i) < 'A' || s.charAt(i) > 'Z') {
            throw new IllegalArgumentException("item " + item.source() + ": reference answer '" + item.answer()
                    + "' does not start with a choice letter");
        }
        return s.charAt(i);
    }
}

package dev.lorapar.rl;

import dev.lorapar.tokenizer.PythonStrings;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The method's GSM8K reward (lora-par-method.md §5), five components summed, at most 4.001, behaving as the reference
 * script's Python functions do (Python {@code re.match}: anchored at the start only; {@code .} does not match a newline,
 * so a reasoning on several lines fails both format checks, as it does in the reference):
 * <ul>
 *   <li>{@code correctness} 2.0: the completion's answer ({@link XmlAnswer#extract}) equals the reference answer after
 *       {@code ####} ({@link XmlAnswer#hashAnswer}; the whole reference when it has no {@code ####}), both compared
 *       with commas and {@code $} removed;
 *   <li>{@code digits} 0.5: that answer is all digits (Python {@code isdigit}, on the answer as extracted);
 *   <li>{@code strict_format} 0.5: {@code ^<reasoning>\n.*?\n</reasoning>\n<answer>\n.*?\n</answer>\n$};
 *   <li>{@code soft_format} 0.5: {@code <reasoning>.*?</reasoning>\s*<answer>.*?</answer>} at the start;
 *   <li>{@code xml_count}: 0.125 for each of {@code <reasoning>\n}, {@code \n</reasoning>\n}, {@code \n<answer>\n},
 *       {@code \n</answer>} occurring exactly once; with the third, minus 0.001 per character after the last
 *       {@code \n</answer>\n} (the whole text when there is none); with the fourth, minus 0.001 per character after the
 *       last {@code \n</answer>} beyond the first (so a completion ending right at {@code \n</answer>} gains 0.001, and
 *       the value can be negative for long trailing text).
 * </ul>
 */
public final class Gsm8kRewards {
    /** Python's {@code re.match} without flags: UNIX_LINES makes {@code .} and {@code $} treat only \n as a line end. */
    private static final Pattern STRICT = Pattern.compile(
            "^<reasoning>\\n.*?\\n</reasoning>\\n<answer>\\n.*?\\n</answer>\\n$", Pattern.UNIX_LINES);
    private static final Pattern SOFT = Pattern.compile("<reasoning>.*?</reasoning>\\s*<answer>.*?</answer>",
            Pattern.UNIX_LINES | Pattern.UNICODE_CHARACTER_CLASS);

    private Gsm8kRewards() {
    }

    /** The five components in the order above. */
    public static List<Reward> all() {
        return List.of(correctness(), digits(), strictFormat(), softFormat(), xmlCount());
    }

    public static Reward correctness() {
        return Reward.of("correctness", (completion, item) -> {
            String gold = XmlAnswer.hashAnswer(item.answer());
            if (gold == null) {
                gold = PythonStrings.strip(item.answer());
            }
            String got = XmlAnswer.withoutCommasAndDollars(XmlAnswer.extract(completion));
            return got.equals(XmlAnswer.withoutCommasAndDollars(gold)) ? 2.0 : 0.0;
        });
    }

    public static Reward digits() {
        return Reward.of("digits", (completion, item) -> XmlAnswer.isDigits(XmlAnswer.extract(completion)) ? 0.5 : 0.0);
    }

    public static Reward strictFormat() {
        return Reward.of("strict_format", (completion, item) -> STRICT.matcher(completion).lookingAt() ? 0.5 : 0.0);
    }

    public static Reward softFormat() {
        return Reward.of("soft_format", (completion, item) -> SOFT.matcher(completion).lookingAt() ? 0.5 : 0.0);
    }

    public static Reward xmlCount() {
        return Reward.of("xml_count", (completion, item) -> xmlCount(completion));
    }

    /** The tag-count value of {@code text} (see the class comment). */
    public static double xmlCount(String text) {
        double count = 0;
        if (XmlAnswer.count(text, "<reasoning>\n") == 1) {
            count += 0.125;
        }
        if (XmlAnswer.count(text, "\n</reasoning>\n") == 1) {
            count += 0.125;
        }
        if (XmlAnswer.count(text, "\n<answer>\n") == 1) {
            count += 0.125;
            count -= XmlAnswer.lengthAfterLast(text, "\n</answer>\n") * 0.001;
        }
        if (XmlAnswer.count(text, "\n</answer>") == 1) {
            count += 0.125;
            count -= (XmlAnswer.lengthAfterLast(text, "\n</answer>") - 1) * 0.001;
        }
        return count;
    }
}

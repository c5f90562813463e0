package dev.lorapar.pipeline.classify;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cheap deterministic voters that look only at the reference answer and count signs of multi-step reasoning; an item
 * is System2 when the count reaches the threshold, else System1. They never abstain and cost no call.
 * <ul>
 * <li>{@code steps}: reasoning steps = non-empty lines of the answer, not counting a final-answer line
 *     ({@code #### n}, {@code The answer is …}). Default threshold 3.</li>
 * <li>{@code equations}: equations = places where '=' stands between a number or closing bracket and a number,
 *     sign, '$' or opening bracket ({@code 3 * 4 = 12}), after GSM8K's calculator annotations {@code <<3*4=12>>}
 *     are removed (they repeat the equation beside them). Default threshold 2.</li>
 * <li>{@code sentences}: sentences = runs of text ended by '.', '!' or '?' followed by a space or the end, a
 *     decimal point not counting; a last run without an end mark counts too. Default threshold 3.</li>
 * </ul>
 */
public final class LocalVoter implements Teacher {
    /** What is counted. */
    public enum Kind {
        STEPS(3), EQUATIONS(2), SENTENCES(3);

        final int defaultThreshold;

        Kind(int defaultThreshold) {
            this.defaultThreshold = defaultThreshold;
        }

        public static Kind parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("local voter '" + s + "' is not steps, equations or sentences");
            }
        }
    }

    private static final Pattern FINAL_LINE = Pattern.compile("(?i)^\\s*(####.*|the (final )?answer is.*)$");
    private static final Pattern EQUATION = Pattern.compile("[0-9)\\]]\\s*=\\s*[-+$0-9(\\[]");
    private static final Pattern CALCULATOR = Pattern.compile("<<[^<>]*>>");
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?]+(?=\\s|$)");

    private final String name;
    private final Kind kind;
    private final int threshold;

    public LocalVoter(String name, Kind kind, int threshold) {
        if (threshold < 1) throw new IllegalArgumentException("local voter " + name + ": threshold must be ≥ 1");
        this.name = name;
        this.kind = kind;
        this.threshold = threshold;
    }

    public static LocalVoter of(Kind kind) {
        return new LocalVoter(kind.name().toLowerCase(Locale.ROOT), kind, kind.defaultThreshold);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String key() {
        return "local " + kind + " threshold=" + threshold;
    }

    @Override
    public int concurrency() {
        return 1;
    }

    /** The count this voter makes of {@code answer}. */
    public int count(String answer) {
        return switch (kind) {
            case STEPS -> {
                int n = 0;
                for (String line : answer.split("\\R")) if (!line.isBlank() && !FINAL_LINE.matcher(line).matches()) n++;
                yield n;
            }
            case EQUATIONS -> matches(EQUATION, CALCULATOR.matcher(answer).replaceAll(""));
            case SENTENCES -> {
                String[] parts = SENTENCE_END.split(answer.strip());
                int n = 0;
                for (String p : parts) if (!p.isBlank()) n++;
                yield n;
            }
        };
    }

    private static int matches(Pattern p, String s) {
        Matcher m = p.matcher(s);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    /** "System1" / "System2" with the count, e.g. "steps=4\nSystem2" (the journal keeps it as the raw answer). */
    @Override
    public String ask(Item item, List<String> history) {
        int c = count(item.answer());
        return kind.name().toLowerCase(Locale.ROOT) + "=" + c + "\n" + (c >= threshold ? Label.SYSTEM2 : Label.SYSTEM1).text();
    }
}

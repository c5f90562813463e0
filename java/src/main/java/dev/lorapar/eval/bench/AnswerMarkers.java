package dev.lorapar.eval.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the spans shared by every extractor: answer tags, {@code \boxed{}}, {@code ####}, "answer is". */
final class AnswerMarkers {
    private static final Pattern ANSWER_TAG = Pattern.compile("<answer>(.*?)</answer>", Pattern.DOTALL);
    private static final Pattern ANSWER_IS = Pattern.compile("answer\\s+is", Pattern.CASE_INSENSITIVE);
    private static final Pattern ANSWER_IS_OR_COLON =
            Pattern.compile("answer(?:\\s+is|\\s*:)", Pattern.CASE_INSENSITIVE);

    private AnswerMarkers() {
    }

    /** The content of the last closed {@code <answer>…</answer>}; null when there is none. */
    static String answerTag(String output) {
        Matcher m = ANSWER_TAG.matcher(output);
        String content = null;
        while (m.find()) {
            content = m.group(1);
        }
        return content;
    }

    /** The text after the last {@code ####}; null when there is none. */
    static String afterHashMarks(String output) {
        int at = output.lastIndexOf("####");
        return at < 0 ? null : output.substring(at + 4);
    }

    /**
     * The text after the last "answer is" (any case), or also "answer:" when {@code colonToo}; null when there is
     * none. Numbers do not take "answer:": a reasoning that starts "Answer: 48/2 = 24 …" would give its first
     * number.
     */
    static String afterAnswerIs(String output, boolean colonToo) {
        Matcher m = (colonToo ? ANSWER_IS_OR_COLON : ANSWER_IS).matcher(output);
        int end = -1;
        while (m.find()) {
            end = m.end();
        }
        return end < 0 ? null : output.substring(end);
    }

    /**
     * The content of the last {@code \boxed{…}} or {@code \fbox{…}} with balanced braces ({@code \boxed 5}, without
     * braces, gives the next token); null when there is none or its braces never close.
     */
    static String boxed(String output) {
        int at = Math.max(output.lastIndexOf("\\boxed"), output.lastIndexOf("\\fbox"));
        if (at < 0) {
            return null;
        }
        int i = at + (output.startsWith("\\boxed", at) ? 6 : 5);
        if (i < output.length() && output.charAt(i) == ' ') {
            int end = i + 1;
            while (end < output.length() && !Character.isWhitespace(output.charAt(end)) && output.charAt(end) != '$') {
                end++;
            }
            return end > i + 1 ? output.substring(i + 1, end) : null;
        }
        if (i >= output.length() || output.charAt(i) != '{') {
            return null;
        }
        int depth = 0;
        for (int j = i; j < output.length(); j++) {
            char c = output.charAt(j);
            if (c == '\\' && j + 1 < output.length()) {
                j++;  // an escaped brace \{ or \} does not count
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return output.substring(i + 1, j);
            }
        }
        return null;
    }
}

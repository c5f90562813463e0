package dev.lorapar.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * Meta's Llama-2-chat format, as its reference {@code chat_completion} builds it: the system prompt is
 * folded into the first user message as {@code "<<SYS>>\n{system}\n<</SYS>>\n\n{user}"}; each completed
 * turn is {@code encode("[INST] {user} [/INST] {answer} ", bos, eos)} and a final open turn is
 * {@code encode("[INST] {user} [/INST]", bos)}, messages stripped of surrounding whitespace. BOS and EOS
 * are ids, never text. Messages containing {@code [INST]}, {@code [/INST]}, {@code <<SYS>>} or
 * {@code <</SYS>>} are refused, as the reference refuses them.
 */
final class Llama2ChatTemplate {
    private static final String B_INST = "[INST]";
    private static final String E_INST = "[/INST]";
    private static final String B_SYS = "<<SYS>>\n";
    private static final String E_SYS = "\n<</SYS>>\n\n";
    private static final List<String> TAGS = List.of(B_INST, E_INST, "<<SYS>>", "<</SYS>>");

    private Llama2ChatTemplate() {
    }

    /** Encodes the dialog; {@code answerStart} is where the last turn's answer starts. */
    static PromptTokens encode(Tokenizer tokenizer, String system, List<ChatTurn> turns) {
        if (turns.isEmpty()) {
            throw new IllegalArgumentException("a dialog needs at least one turn");
        }
        checkTags("system prompt", system);
        IntList ids = new IntList(64);
        int answerStart = -1;
        for (int t = 0; t < turns.size(); t++) {
            ChatTurn turn = turns.get(t);
            boolean last = t == turns.size() - 1;
            if (turn.assistant() == null && !last) {
                throw new IllegalArgumentException("turn " + t + " has no answer but is not the last turn");
            }
            checkTags("user message " + t, turn.user());
            checkTags("answer " + t, turn.assistant());
            String user = t == 0 && system != null ? B_SYS + system + E_SYS + turn.user() : turn.user();
            String prompt = B_INST + " " + PythonStrings.strip(user) + " " + E_INST;
            int[] promptIds = tokenizer.encode(prompt, true, false);
            if (turn.assistant() == null) {
                ids.addAll(promptIds);
                answerStart = ids.size();
                continue;
            }
            int[] turnIds = tokenizer.encode(prompt + " " + PythonStrings.strip(turn.assistant()) + " ", true, true);
            if (!startsWith(turnIds, promptIds)) {
                throw new IllegalStateException("turn " + t + ": the answer's first token merges with the end of "
                        + "the prompt, so no token index separates them");
            }
            answerStart = ids.size() + promptIds.length;
            ids.addAll(turnIds);
        }
        return new PromptTokens(ids.toArray(), answerStart);
    }

    private static void checkTags(String what, String text) {
        if (text == null) {
            return;
        }
        for (String tag : TAGS) {
            if (text.contains(tag)) {
                throw new IllegalArgumentException("the " + what + " contains the chat tag " + tag);
            }
        }
    }

    static boolean startsWith(int[] ids, int[] prefix) {
        return ids.length >= prefix.length && Arrays.equals(ids, 0, prefix.length, prefix, 0, prefix.length);
    }
}

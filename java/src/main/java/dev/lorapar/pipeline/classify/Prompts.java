package dev.lorapar.pipeline.classify;

/**
 * The teacher prompts of method §1. The role-play variant makes the teacher act as the target model ("You are
 * LLaMA-2 7B: …") and judge whether that model would answer from recall (System1) or needs multi-step reasoning
 * (System2); the plain variant asks the same question about the item itself, without the role. Both end with the
 * strict answer format {@link Label#parse} reads. {@link #RETRY} is sent after an unparseable answer.
 */
public final class Prompts {
    /** The follow-up after an unparseable answer (one retry, then the vote abstains). */
    public static final String RETRY = "Your previous reply could not be read. Reply with exactly one word: System1 or "
            + "System2.";

    static final String CRITERIA = """
            System1: the answer comes from immediate recall, straightforward reading comprehension, or a simple \
            one-step inference, with no multi-step reasoning.
            System2: the answer needs multi-step logical reasoning, chaining several pieces of information, or \
            complex inference.""";

    private Prompts() {
    }

    /** The system message: the role play of {@code targetModel}, or a neutral annotator when {@code rolePlay} is false. */
    public static String system(boolean rolePlay, String targetModel) {
        if (rolePlay) {
            return "You are " + targetModel + ". Act exactly as " + targetModel + " would: answer concisely and think "
                    + "step by step only when you must. You will see a question with its reference answer and decide "
                    + "how YOU, " + targetModel + ", would have to work to produce that answer.";
        }
        return "You are an annotator who sorts question-answer pairs into two kinds by the reasoning they need.";
    }

    /** The user message for one item. */
    public static String user(Item item, boolean rolePlay, String targetModel) {
        String who = rolePlay ? "you (" + targetModel + ") would need" : "is needed";
        return "Decide which kind of thinking " + who + " to produce the answer below.\n" + CRITERIA
                + "\n\nQuestion:\n" + item.question() + "\n\nAnswer:\n" + item.answer()
                + "\n\nReply with exactly one word on the last line: System1 or System2.";
    }
}

package dev.lorapar.eval.bench;

/** Which rule found the answer in a model's output (reports count them; NONE = unparseable). */
public enum ExtractionRule {
    /** The content of the last {@code <answer>…</answer>}. */
    ANSWER_TAG,
    /** The content of the last {@code \boxed{…}} (or {@code \fbox{…}}). */
    BOXED,
    /** What follows the last {@code ####}. */
    HASH_MARKS,
    /** What follows the last "answer is" / "answer:" (any case). */
    ANSWER_IS,
    /** The output's first word (StrategyQA "Yes. …", a bare letter "C) …"). */
    LEADING,
    /** The last number / the last yes-no word / the last labelled choice in the output. */
    LAST,
    /** Nothing found: the prediction is unparseable. */
    NONE
}

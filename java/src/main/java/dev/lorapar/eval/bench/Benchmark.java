package dev.lorapar.eval.bench;

import java.nio.file.Path;
import java.util.List;

/** The benchmarks of issue 7 that ship in {@code shared/data}, each with its file layout and answer kind. */
public enum Benchmark {
    /** GSM8K JSONL {@code {question, answer}}, the answer ending {@code #### n}. */
    GSM8K("gsm8k", AnswerKind.NUMBER, "gsm8k/test.jsonl"),
    /** MMLU CSVs: a folder of {@code <subject>_<split>.csv} or one file; with or without the header row. */
    MMLU("mmlu", AnswerKind.CHOICE_LOGLIK, "mmlu/test"),
    /** ARC-Easy, llm-foundry JSONL {@code {query: "Question: …", choices, gold}}. */
    ARC_EASY("arc_easy", AnswerKind.CHOICE_LOGLIK, "arc/arc_easy.jsonl"),
    /** ARC-Challenge, the same layout. */
    ARC_CHALLENGE("arc_challenge", AnswerKind.CHOICE_LOGLIK, "arc/arc_challenge.jsonl"),
    /** CommonsenseQA, the original JSONL {@code {answerKey, id, question: {stem, choices: [{label, text}]}}}. */
    COMMONSENSE_QA("commonsenseqa", AnswerKind.CHOICE_LOGLIK, "commonsenseqa/dev_rand_split.jsonl"),
    /** StrategyQA, BIG-bench task JSON {@code examples[] = {input, target_scores: {Yes, No}, target}}. */
    STRATEGY_QA("strategyqa", AnswerKind.YES_NO, "strategyqa/task.json"),
    /** MATH, llm-foundry JSONL {@code {context, answer, chain_of_thought, category}}. */
    MATH("math", AnswerKind.MATH_EXPRESSION, "math/math.jsonl"),
    /** AQuA JSONL {@code {question, options: ["A)…", …], rationale, correct}}. */
    AQUA("aqua", AnswerKind.LETTER, "zero_shot_cot_reasoning/AQuA/test.json"),
    /** SVAMP, JSON array {@code {ID, Body, Question, Equation, Answer, Type}}. */
    SVAMP("svamp", AnswerKind.NUMBER, "zero_shot_cot_reasoning/SVAMP/SVAMP.json"),
    /** MultiArith, JSON array {@code {iIndex, sQuestion, lEquations, lSolutions}}. */
    MULTI_ARITH("multiarith", AnswerKind.NUMBER, "zero_shot_cot_reasoning/MultiArith/MultiArith.json"),
    /** AddSub, the same layout (solutions as strings). */
    ADD_SUB("addsub", AnswerKind.NUMBER, "zero_shot_cot_reasoning/AddSub/AddSub.json"),
    /** SingleEq, the same layout. */
    SINGLE_EQ("singleeq", AnswerKind.NUMBER, "zero_shot_cot_reasoning/SingleEq/questions.json");

    private final String key;
    private final AnswerKind answerKind;
    private final String defaultFile;

    Benchmark(String key, AnswerKind answerKind, String defaultFile) {
        this.key = key;
        this.answerKind = answerKind;
        this.defaultFile = defaultFile;
    }

    /** A short lower-case name, the prefix of generated item ids. */
    public String key() {
        return key;
    }

    public AnswerKind answerKind() {
        return answerKind;
    }

    /** The evaluation split's path under {@code shared/data} (MMLU: the test folder). */
    public Path defaultFile(Path sharedData) {
        return sharedData.resolve(defaultFile);
    }

    /** The benchmark with this {@link #key()}; throws naming the known keys. */
    public static Benchmark byKey(String key) {
        for (Benchmark b : values()) {
            if (b.key.equals(key)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown benchmark \"" + key + "\"; known: "
                + java.util.Arrays.stream(values()).map(Benchmark::key).toList());
    }

    /**
     * Loads and validates a file of this benchmark (MMLU: a file or a folder of CSVs; GSM8K: also the train split).
     *
     * @throws BenchmarkFormatException naming the file and line (and index, in a JSON array) of a bad record
     */
    public List<EvalItem> load(Path file) {
        return switch (this) {
            case GSM8K -> Gsm8kLoader.load(file);
            case MMLU -> MmluLoader.load(file);
            case ARC_EASY, ARC_CHALLENGE -> ArcLoader.load(this, file);
            case COMMONSENSE_QA -> CommonsenseQaLoader.load(file);
            case STRATEGY_QA -> StrategyQaLoader.load(file);
            case MATH -> MathLoader.load(file);
            case AQUA -> AquaLoader.load(file);
            case SVAMP, MULTI_ARITH, ADD_SUB, SINGLE_EQ -> ArithmeticLoader.load(this, file);
        };
    }
}

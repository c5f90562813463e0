package dev.lorapar.eval.sandbox;

import java.util.Objects;

/**
 * One HumanEval problem (openai/human-eval's {@code HumanEval.jsonl.gz} record).
 *
 * @param taskId            "HumanEval/0" ... "HumanEval/163"
 * @param prompt            the function signature and docstring the model continues
 * @param entryPoint        the function the test calls
 * @param canonicalSolution the reference body
 * @param test              source defining {@code check(candidate)}
 */
public record HumanEvalProblem(String taskId, String prompt, String entryPoint, String canonicalSolution, String test) {
    public HumanEvalProblem {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(entryPoint, "entryPoint");
        Objects.requireNonNull(canonicalSolution, "canonicalSolution");
        Objects.requireNonNull(test, "test");
    }

    /** The program that scores {@code completion}: prompt + completion + "\n" + test + "\ncheck(entry_point)". */
    public String program(String completion) {
        return prompt + completion + "\n" + test + "\ncheck(" + entryPoint + ")\n";
    }
}

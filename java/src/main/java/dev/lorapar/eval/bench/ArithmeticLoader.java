package dev.lorapar.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;

/**
 * The arithmetic word-problem sets of zero_shot_cot_reasoning, each a JSON array. SVAMP:
 * {@code {ID, Body, Question, Answer, Type}}, the question being {@code Body + " " + Question} (id: ID, subject:
 * Type). MultiArith, AddSub, SingleEq: {@code {iIndex, sQuestion, lSolutions: [one number]}} (numbers as JSON
 * numbers or numeric strings; id: {@code <key>/<iIndex>}). Questions are stripped of surrounding spaces; gold: the
 * number in {@link NumericAnswer} canonical form.
 */
final class ArithmeticLoader {
    private ArithmeticLoader() {
    }

    static List<EvalItem> load(Benchmark benchmark, Path file) {
        ItemList items = new ItemList();
        JsonRecords.array(file, null, (node, source) -> {
            Fields fields = new Fields(node, source);
            EvalItem item;
            if (benchmark == Benchmark.SVAMP) {
                String question = fields.text("Body").strip() + " " + fields.text("Question").strip();
                String gold = fields.number(fields.required("Answer"), "Answer");
                item = new EvalItem(fields.text("ID"), benchmark, fields.text("Type"), question, List.of(), gold, null,
                        source);
            } else {
                JsonNode solutions = fields.array("lSolutions");
                if (solutions.size() != 1) {
                    throw fields.fail("lSolutions has " + solutions.size() + " entries; expected one");
                }
                String gold = fields.number(solutions.get(0), "lSolutions[0]");
                String id = benchmark.key() + "/" + fields.scalar("iIndex");
                item = new EvalItem(id, benchmark, null, fields.text("sQuestion").strip(), List.of(), gold, null, source);
            }
            items.add(item);
        });
        return items.finish(file);
    }
}

package dev.lorapar.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;

/**
 * StrategyQA as a BIG-bench task JSON: {@code examples[] = {input, target_scores: {Yes: 0|1, No: 0|1}, target}}.
 * Exactly one of the scores must be 1, and the target (the answer and its supporting facts, kept as the item's
 * solution) must start with that word. Gold: {@code yes} or {@code no}.
 */
final class StrategyQaLoader {
    private StrategyQaLoader() {
    }

    static List<EvalItem> load(Path file) {
        ItemList items = new ItemList();
        JsonRecords.array(file, "examples", (node, source) -> {
            Fields fields = new Fields(node, source);
            String input = fields.text("input");
            String target = fields.text("target");
            Fields scores = fields.object("target_scores");
            int yes = score(scores, "Yes"), no = score(scores, "No");
            if (yes + no != 1) {
                throw fields.fail("target_scores must mark exactly one of Yes / No with 1 (Yes " + yes + ", No " + no + ")");
            }
            String gold = yes == 1 ? "yes" : "no";
            String firstWord = target.strip().split("[^A-Za-z]", 2)[0];
            if (!firstWord.equalsIgnoreCase(gold)) {
                throw fields.fail("target starts \"" + firstWord + "\" but target_scores say " + gold);
            }
            String id = ItemList.generatedId(Benchmark.STRATEGY_QA, file, items.size());
            items.add(new EvalItem(id, Benchmark.STRATEGY_QA, null, input, List.of(), gold, target, source));
        });
        return items.finish(file);
    }

    private static int score(Fields scores, String key) {
        JsonNode value = scores.required(key);
        if (!value.isNumber() || (value.asDouble() != 0 && value.asDouble() != 1)) {
            throw scores.fail("target_scores." + key + " is not 0 or 1: " + value);
        }
        return value.asInt();
    }
}

package dev.lorapar.eval.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * MATH in llm-foundry's JSONL: {@code {context, answer, chain_of_thought, category}}. Gold: the answer after
 * {@link MathAnswer#normalize}; subject: the category; solution: the chain of thought.
 */
final class MathLoader {
    private MathLoader() {
    }

    static List<EvalItem> load(Path file) {
        ItemList items = new ItemList();
        JsonRecords.jsonl(file, (node, source) -> {
            Fields fields = new Fields(node, source);
            String problem = fields.text("context");
            String answer = fields.text("answer");
            String solution = fields.text("chain_of_thought");
            String category = fields.text("category");
            String gold = MathAnswer.normalize(answer);
            if (gold.isEmpty()) {
                throw fields.fail("the answer \"" + answer + "\" is empty after normalisation");
            }
            String id = ItemList.generatedId(Benchmark.MATH, file, items.size());
            items.add(new EvalItem(id, Benchmark.MATH, category, problem, List.of(), gold, solution, source));
        });
        return items.finish(file);
    }
}

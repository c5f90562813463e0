package dev.lorapar.eval.bench;

import java.nio.file.Path;
import java.util.List;

/** ARC in llm-foundry's ICL JSONL: {@code {query: "Question: …", choices: [...], gold: index}}. */
final class ArcLoader {
    private static final String PREFIX = "Question: ";

    private ArcLoader() {
    }

    static List<EvalItem> load(Benchmark benchmark, Path file) {
        ItemList items = new ItemList();
        JsonRecords.jsonl(file, (node, source) -> {
            Fields fields = new Fields(node, source);
            String query = fields.text("query");
            String question = query.startsWith(PREFIX) ? query.substring(PREFIX.length()) : query;
            List<String> choices = Choices.check(fields, "choices", fields.texts("choices"));
            int gold = fields.integer("gold");
            if (gold < 0 || gold >= choices.size()) {
                throw fields.fail("gold " + gold + " is not the index of one of the " + choices.size() + " choices");
            }
            String id = ItemList.generatedId(benchmark, file, items.size());
            items.add(new EvalItem(id, benchmark, null, question, choices, EvalItem.label(gold), null, source));
        });
        return items.finish(file);
    }
}

package dev.lorapar.eval.bench;

import java.nio.file.Path;
import java.util.List;

/** GSM8K JSONL: {@code {question, answer}} with the answer's reasoning ending {@code #### <number>}. */
final class Gsm8kLoader {
    private Gsm8kLoader() {
    }

    static List<EvalItem> load(Path file) {
        ItemList items = new ItemList();
        JsonRecords.jsonl(file, (node, source) -> {
            Fields fields = new Fields(node, source);
            String question = fields.text("question");
            String answer = fields.text("answer");
            String after = AnswerMarkers.afterHashMarks(answer);
            if (after == null) {
                throw fields.fail("the answer has no \"#### <number>\" line");
            }
            String gold = NumericAnswer.normalize(after);
            if (gold == null) {
                throw fields.fail("the text after #### is not a number: \"" + after.strip() + "\"");
            }
            String id = ItemList.generatedId(Benchmark.GSM8K, file, items.size());
            items.add(new EvalItem(id, Benchmark.GSM8K, null, question, List.of(), gold, answer, source));
        });
        return items.finish(file);
    }
}

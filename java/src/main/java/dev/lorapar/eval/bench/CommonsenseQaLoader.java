package dev.lorapar.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CommonsenseQA in its original JSONL: {@code {answerKey, id, question: {stem, choices: [{label, text}]}}}; labels must be A, B, C, … in order. The unlabelled test split (no answerKey) is refused.
 */
final class CommonsenseQaLoader {
    private CommonsenseQaLoader() {
    }

    static List<EvalItem> load(Path file) {
        ItemList items = new ItemList();
        JsonRecords.jsonl(file, (node, source) -> {
            Fields fields = new Fields(node, source);
            String id = fields.text("id");
            String answerKey = fields.text("answerKey");
            Fields question = fields.object("question");
            String stem = question.text("stem");
            JsonNode choiceNodes = question.array("choices");
            List<String> choices = new ArrayList<>();
            for (int i = 0; i < choiceNodes.size(); i++) {
                Fields choice = new Fields(choiceNodes.get(i), source);
                String label = choice.text("label");
                if (!label.equals(i < 26 ? EvalItem.label(i) : "")) {
                    throw fields.fail("choice " + i + " has label \"" + label + "\"; expected " + EvalItem.label(i));
                }
                choices.add(choice.text("text"));
            }
            Choices.check(fields, "choices", choices);
            if (Choices.labelIndex(answerKey, choices.size()) < 0) {
                throw fields.fail("answerKey \"" + answerKey + "\" is not one of the choice labels");
            }
            items.add(new EvalItem(id, Benchmark.COMMONSENSE_QA, null, stem, choices, answerKey, null, source));
        });
        return items.finish(file);
    }
}

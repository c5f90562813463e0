package dev.lorapar.eval.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AQuA, JSONL despite its {@code .json} name: {@code {question, options: ["A)…", "B)…", …], rationale, correct}}.
 * The options must carry the labels A, B, … in order (the label and its ")" are dropped from the choice text);
 * gold: the {@code correct} letter; solution: the rationale.
 */
final class AquaLoader {
    private static final Pattern OPTION = Pattern.compile("([A-Z])\\)\\s*(.*)", Pattern.DOTALL);

    private AquaLoader() {
    }

    static List<EvalItem> load(Path file) {
        ItemList items = new ItemList();
        JsonRecords.jsonl(file, (node, source) -> {
            Fields fields = new Fields(node, source);
            String question = fields.text("question");
            List<String> options = fields.texts("options");
            List<String> choices = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) {
                Matcher m = OPTION.matcher(options.get(i).strip());
                if (!m.matches() || i >= 26 || !m.group(1).equals(EvalItem.label(i))) {
                    throw fields.fail("option " + i + " \"" + options.get(i) + "\" does not start with \""
                            + (i < 26 ? EvalItem.label(i) : "?") + ")\"");
                }
                choices.add(m.group(2).strip());
            }
            Choices.check(fields, "options", choices);
            String correct = fields.text("correct").strip();
            if (Choices.labelIndex(correct, choices.size()) < 0) {
                throw fields.fail("correct \"" + correct + "\" is not one of the option letters");
            }
            String rationale = node.hasNonNull("rationale") ? node.get("rationale").asText() : null;
            String id = ItemList.generatedId(Benchmark.AQUA, file, items.size());
            items.add(new EvalItem(id, Benchmark.AQUA, null, question, choices, correct, rationale, source));
        });
        return items.finish(file);
    }
}

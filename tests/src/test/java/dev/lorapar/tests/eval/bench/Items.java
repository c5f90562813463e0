package dev.lorapar.tests.eval.bench;

import dev.lorapar.eval.bench.Benchmark;
import dev.lorapar.eval.bench.EvalItem;
import dev.lorapar.eval.bench.ItemSource;
import java.nio.file.Path;
import java.util.List;

/** Hand-made items for the prompt and aggregation tests. */
final class Items {
    private Items() {
    }

    static EvalItem item(String id, Benchmark benchmark, String subject, String question, List<String> choices,
            String gold, String solution) {
        return new EvalItem(id, benchmark, subject, question, choices, gold, solution, ItemSource.line(Path.of("hand"), 1));
    }

    static EvalItem mmlu(String id, String subject, String question, String gold) {
        return item(id, Benchmark.MMLU, subject, question, List.of("w", "x", "y", "z"), gold, null);
    }
}

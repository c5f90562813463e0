package dev.lorapar.eval.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Collects the items of one load, refusing a repeated id (the error names both records) and an empty file. */
final class ItemList {
    private final List<EvalItem> items = new ArrayList<>();
    private final Map<String, ItemSource> seen = new HashMap<>();

    void add(EvalItem item) {
        ItemSource before = seen.putIfAbsent(item.id(), item.source());
        if (before != null) {
            throw new BenchmarkFormatException(item.source(), "id \"" + item.id() + "\" repeats " + before);
        }
        items.add(item);
    }

    int size() {
        return items.size();
    }

    /** The items; throws when there are none. */
    List<EvalItem> finish(Path file) {
        if (items.isEmpty()) {
            throw new BenchmarkFormatException(ItemSource.line(file, 1), "no records");
        }
        return List.copyOf(items);
    }

    /** A generated id: {@code <benchmark key>/<file name without extensions>/<n>}. */
    static String generatedId(Benchmark benchmark, Path file, int n) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        String stem = (dot > 0 ? name.substring(0, dot) : name).toLowerCase(Locale.ROOT);
        return benchmark.key() + "/" + stem + "/" + n;
    }
}

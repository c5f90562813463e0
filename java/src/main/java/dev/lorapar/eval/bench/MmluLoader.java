package dev.lorapar.eval.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * MMLU CSVs, one subject per file named {@code <subject>_<split>.csv} (the split suffix {@code _dev},
 * {@code _val}, {@code _test} is dropped from the subject). Two layouts, told apart by the first row:
 * <ul>
 *   <li>the Hugging Face re-export: a header {@code question,choice0,choice1,choice2,choice3,answer} and 0-based
 *       answer indexes;
 *   <li>the original (hendrycks/test): no header, {@code question,A,B,C,D,<letter>}.
 * </ul>
 * Every record has six fields, a non-blank question and an answer in range. A folder loads all its {@code .csv}
 * files in name order.
 */
final class MmluLoader {
    private static final List<String> HEADER = List.of("question", "choice0", "choice1", "choice2", "choice3", "answer");

    private MmluLoader() {
    }

    static List<EvalItem> load(Path fileOrFolder) {
        if (!Files.isDirectory(fileOrFolder)) {
            return loadFile(fileOrFolder, new ItemList()).finish(fileOrFolder);
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(fileOrFolder)) {
            files = listing.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + fileOrFolder + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(fileOrFolder + ": no .csv files");
        }
        ItemList items = new ItemList();
        for (Path file : files) {
            loadFile(file, items);
        }
        return items.finish(fileOrFolder);
    }

    /** The subject named by a file: {@code abstract_algebra_test.csv} → {@code abstract_algebra}. */
    static String subjectOf(Path file) {
        String name = file.getFileName().toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            name = name.substring(0, name.length() - 4);
        }
        for (String split : List.of("_dev", "_val", "_test")) {
            if (name.endsWith(split)) {
                return name.substring(0, name.length() - split.length());
            }
        }
        return name;
    }

    private static ItemList loadFile(Path file, ItemList items) {
        List<CsvRecords.Row> rows = CsvRecords.read(file);
        if (rows.isEmpty()) {
            throw new BenchmarkFormatException(ItemSource.line(file, 1), "no records");
        }
        boolean header = rows.getFirst().fields().equals(HEADER);
        String subject = subjectOf(file);
        for (int r = header ? 1 : 0; r < rows.size(); r++) {
            CsvRecords.Row row = rows.get(r);
            ItemSource source = ItemSource.line(file, row.line());
            List<String> fields = row.fields();
            if (fields.size() != 6) {
                throw new BenchmarkFormatException(source, fields.size() + " fields; expected 6 (question, four choices, answer)");
            }
            if (fields.getFirst().isBlank()) {
                throw new BenchmarkFormatException(source, "empty question");
            }
            String answer = fields.get(5).strip();
            int index = header ? indexAnswer(answer) : Choices.labelIndex(answer, 4);
            if (index < 0) {
                throw new BenchmarkFormatException(source, "answer \"" + answer + "\" is not "
                        + (header ? "0, 1, 2 or 3 (a header row means 0-based answers)" : "A, B, C or D"));
            }
            String id = ItemList.generatedId(Benchmark.MMLU, file, r - (header ? 1 : 0));
            items.add(new EvalItem(id, Benchmark.MMLU, subject, fields.getFirst(), fields.subList(1, 5),
                    EvalItem.label(index), null, source));
        }
        return items;
    }

    private static int indexAnswer(String answer) {
        return answer.length() == 1 && answer.charAt(0) >= '0' && answer.charAt(0) <= '3' ? answer.charAt(0) - '0' : -1;
    }
}

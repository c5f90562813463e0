package dev.lorapar.eval.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads HumanEval JSONL (gzip when the name ends in .gz): one object per line with string fields task_id, prompt,
 * entry_point, canonical_solution, test; blank lines skipped. A bad line throws {@link IllegalArgumentException}
 * naming the file and line; so does a repeated task_id.
 */
public final class HumanEvalLoader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FIELDS = List.of("task_id", "prompt", "entry_point", "canonical_solution", "test");

    private HumanEvalLoader() {
    }

    public static List<HumanEvalProblem> load(Path file) throws IOException {
        List<HumanEvalProblem> problems = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            long number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) continue;
                HumanEvalProblem p = parse(line, file, number);
                if (!ids.add(p.taskId())) throw bad(file, number, "task_id " + p.taskId() + " appears twice");
                problems.add(p);
            }
        }
        if (problems.isEmpty()) throw new IllegalArgumentException(file + ": no HumanEval problems");
        return List.copyOf(problems);
    }

    private static HumanEvalProblem parse(String line, Path file, long number) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw bad(file, number, "not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw bad(file, number, "not a JSON object");
        String[] v = new String[FIELDS.size()];
        for (int i = 0; i < v.length; i++) {
            JsonNode f = node.get(FIELDS.get(i));
            if (f == null || f.isNull()) throw bad(file, number, "missing field " + FIELDS.get(i));
            if (!f.isTextual()) throw bad(file, number, "field " + FIELDS.get(i) + " is not a string");
            v[i] = f.asText();
        }
        if (v[0].isBlank()) throw bad(file, number, "empty task_id");
        if (!v[2].matches("[A-Za-z_][A-Za-z0-9_]*")) throw bad(file, number, "entry_point '" + v[2] + "' is not a Python name");
        if (!v[4].contains("def check(")) throw bad(file, number, "test does not define check(candidate)");
        return new HumanEvalProblem(v[0], v[1], v[2], v[3], v[4]);
    }

    private static IllegalArgumentException bad(Path file, long line, String why) {
        return new IllegalArgumentException(file + ":" + line + ": " + why);
    }
}

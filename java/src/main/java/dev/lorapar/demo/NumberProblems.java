package dev.lorapar.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random items about numbers. System 1: one operation ({@code a + b}, {@code a - b}, {@code a * b}) and reading one
 * value from a short passage. System 2: word problems of 2–6 steps (add, take away, double, triple, halve) whose
 * solution shows every intermediate value and ends {@code #### n}. Every value stays in [0, 999].
 */
final class NumberProblems {
    private static final String[] OBJECTS = {"apples", "coins", "marbles", "stamps", "shells", "cards", "pebbles"};
    private static final String[] COLORS = {"red", "blue", "green", "yellow", "white", "black", "purple"};
    private static final int MAX_VALUE = 999;

    private NumberProblems() {
    }

    /** One operation with operands below {@code limit} (≥ 2); the difference is never negative. */
    static DemoItem arithmetic(SplittableRandom r, int limit) {
        int op = r.nextInt(3);
        int a = r.nextInt(limit), b = r.nextInt(limit);
        String q;
        int v;
        switch (op) {
            case 0 -> {
                q = "What is " + a + " + " + b + "?";
                v = a + b;
            }
            case 1 -> {
                int hi = Math.max(a, b), lo = Math.min(a, b);
                q = "What is " + hi + " - " + lo + "?";
                v = hi - lo;
            }
            default -> {
                b = 2 + r.nextInt(8);
                q = "What is " + a + " * " + b + "?";
                v = a * b;
            }
        }
        String gold = Integer.toString(v);
        return new DemoItem(q, gold, gold, TaskKind.ARITHMETIC, null);
    }

    /** A passage naming 3–4 boxes and their counts, and a question about one of them. */
    static DemoItem passage(SplittableRandom r) {
        int boxes = 3 + r.nextInt(2);
        String object = OBJECTS[r.nextInt(OBJECTS.length)];
        List<String> colors = new ArrayList<>(List.of(COLORS));
        StringBuilder text = new StringBuilder();
        String[] chosen = new String[boxes];
        int[] counts = new int[boxes];
        for (int i = 0; i < boxes; i++) {
            chosen[i] = colors.remove(r.nextInt(colors.size()));
            counts[i] = 1 + r.nextInt(99);
            text.append("The ").append(chosen[i]).append(" box holds ").append(counts[i]).append(' ').append(object)
                    .append(". ");
        }
        int asked = r.nextInt(boxes);
        String q = text + "How many " + object + " does the " + chosen[asked] + " box hold?";
        String gold = Integer.toString(counts[asked]);
        return new DemoItem(q, gold, gold, TaskKind.PASSAGE, null);
    }

    /** A word problem about {@code name} with exactly {@code steps} operations (2–6). */
    static DemoItem wordProblem(SplittableRandom r, String name, int steps) {
        if (steps < 2 || steps > 6) {
            throw new IllegalArgumentException("a word problem has 2 to 6 steps, got " + steps);
        }
        String object = OBJECTS[r.nextInt(OBJECTS.length)];
        int v = 2 + r.nextInt(49);
        StringBuilder story = new StringBuilder(name + " has " + v + " " + object + ".");
        StringBuilder work = new StringBuilder(name + " starts with " + v + " " + object + ".\n");
        for (int s = 0; s < steps; s++) {
            int next;
            String sentence, line;
            // 0 add, 1 take away, 2 double, 3 triple, 4 halve: those that keep the value in [0, MAX_VALUE] and whole
            List<Integer> allowed = new ArrayList<>();
            if (v < MAX_VALUE) allowed.add(0);
            if (v > 0) allowed.add(1);
            if (v * 2 <= MAX_VALUE && v > 0) allowed.add(2);
            if (v * 3 <= MAX_VALUE && v > 0) allowed.add(3);
            if (v % 2 == 0 && v > 0) allowed.add(4);
            int op = allowed.get(r.nextInt(allowed.size()));
            switch (op) {
                case 0 -> {
                    int k = 1 + r.nextInt(Math.min(50, MAX_VALUE - v));
                    next = v + k;
                    sentence = " Then " + name + " gets " + k + " more.";
                    line = v + " + " + k + " = " + next;
                }
                case 1 -> {
                    int k = 1 + r.nextInt(v);
                    next = v - k;
                    sentence = " Then " + name + " gives away " + k + ".";
                    line = v + " - " + k + " = " + next;
                }
                case 2 -> {
                    next = v * 2;
                    sentence = " Then the number of " + object + " doubles.";
                    line = v + " * 2 = " + next;
                }
                case 3 -> {
                    next = v * 3;
                    sentence = " Then the number of " + object + " triples.";
                    line = v + " * 3 = " + next;
                }
                default -> {
                    next = v / 2;
                    sentence = " Then " + name + " gives away half of them.";
                    line = v + " / 2 = " + next;
                }
            }
            story.append(sentence);
            work.append(line).append(".\n");
            v = next;
        }
        story.append(" How many ").append(object).append(" does ").append(name).append(" have now?");
        String gold = Integer.toString(v);
        work.append("#### ").append(gold);
        return new DemoItem(story.toString(), work.toString(), gold, TaskKind.WORD_PROBLEM, null);
    }
}

package dev.lorapar.tests.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.demo.DemoAccuracy;
import dev.lorapar.demo.DemoCorpus;
import dev.lorapar.demo.DemoDataFiles;
import dev.lorapar.demo.DemoItem;
import dev.lorapar.demo.DemoSystem;
import dev.lorapar.demo.GeneratorConfig;
import dev.lorapar.demo.SyntheticWorld;
import dev.lorapar.demo.TaskGenerator;
import dev.lorapar.demo.TaskKind;
import dev.lorapar.tests.support.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synthetic benchmark: deterministic by seed (byte-identical files), splits that do not leak, every answer
 * recomputed independently from the world or the numbers in the question, and the files read back as written.
 */
class TaskGeneratorTest {
    private static final List<String> FILES = List.of("pretrain", "train_s1", "train_s2", "test_s1", "test_s2");

    private static void writeAll(DemoCorpus c, Path dir) throws IOException {
        List<List<DemoItem>> sets = List.of(c.pretrain(), c.trainS1(), c.trainS2(), c.testS1(), c.testS2());
        for (int i = 0; i < FILES.size(); i++) {
            DemoDataFiles.write(sets.get(i), dir.resolve(FILES.get(i) + ".jsonl"));
        }
    }

    @Test
    void sameSeedGivesByteIdenticalFilesAndAnotherSeedDiffers(TestInfo info, @TempDir Path dir) throws IOException {
        long seed = Rng.forTest(info).nextLong();
        GeneratorConfig config = GeneratorConfig.cpuDefault(seed);
        writeAll(new TaskGenerator(config).generate(), dir.resolve("a"));
        writeAll(new TaskGenerator(config).generate(), dir.resolve("b"));
        writeAll(new TaskGenerator(GeneratorConfig.cpuDefault(seed + 1)).generate(), dir.resolve("c"));
        for (String f : FILES) {
            byte[] a = Files.readAllBytes(dir.resolve("a/" + f + ".jsonl"));
            assertArrayEquals(a, Files.readAllBytes(dir.resolve("b/" + f + ".jsonl")), f + " seed " + seed);
            assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(dir.resolve("c/" + f + ".jsonl"))),
                    f + " is the same for seeds " + seed + " and " + (seed + 1));
        }
    }

    @Test
    void splitsDoNotLeakAndHaveTheRequestedSizesAndLabels(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (GeneratorConfig config : List.of(GeneratorConfig.cpuDefault(rng.nextLong()),
                GeneratorConfig.tiny(rng.nextLong()))) {
            DemoCorpus c = new TaskGenerator(config).generate();
            String tag = rng.tag() + " " + config.describe();
            assertEquals(config.pretrainItems(), c.pretrain().size(), tag);
            assertEquals(config.trainS1(), c.trainS1().size(), tag);
            assertEquals(config.trainS2(), c.trainS2().size(), tag);
            assertEquals(config.testS1(), c.testS1().size(), tag);
            assertEquals(config.testS2(), c.testS2().size(), tag);
            for (List<DemoItem> s1 : List.of(c.trainS1(), c.testS1())) {
                s1.forEach(i -> assertEquals(DemoSystem.S1, i.system(), tag + " " + i));
            }
            for (List<DemoItem> s2 : List.of(c.trainS2(), c.testS2())) {
                s2.forEach(i -> assertEquals(DemoSystem.S2, i.system(), tag + " " + i));
            }
            Set<String> testQuestions = new HashSet<>(), testChains = new HashSet<>();
            for (DemoItem t : concat(c.testS1(), c.testS2())) {
                assertTrue(testQuestions.add(t.question()), tag + " duplicate test question " + t.question());
                if (t.chainKey() != null) testChains.add(t.chainKey());
            }
            Set<String> trainQuestions = new HashSet<>();
            for (DemoItem t : concat(c.pretrain(), concat(c.trainS1(), c.trainS2()))) {
                trainQuestions.add(t.question());
                assertFalse(testQuestions.contains(t.question()), tag + " test question in training: " + t.question());
                assertFalse(t.chainKey() != null && testChains.contains(t.chainKey()),
                        tag + " test chain in training: " + t.chainKey());
            }
            assertFalse(testChains.isEmpty(), tag);
            // each test fact (second phrasing) was taught in the first phrasing, in the training set
            int facts = 0;
            for (DemoItem t : c.testS1()) {
                if (t.kind() == TaskKind.FACT) {
                    facts++;
                    assertTrue(trainQuestions.contains(firstPhrasing(t.question())), tag + " " + t.question());
                }
            }
            assertEquals(config.testS1() / 3, facts, tag);
            // every kind appears in its sets
            assertEquals(EnumSet.of(TaskKind.FACT, TaskKind.ARITHMETIC, TaskKind.PASSAGE), kinds(c.testS1()), tag);
            assertEquals(EnumSet.of(TaskKind.WORD_PROBLEM, TaskKind.MULTI_HOP), kinds(c.trainS2()), tag);
            assertEquals(EnumSet.of(TaskKind.WORD_PROBLEM, TaskKind.MULTI_HOP), kinds(c.testS2()), tag);
        }
    }

    /** The first phrasing of a second-phrasing fact question. */
    private static String firstPhrasing(String q) {
        Matcher m;
        if ((m = Pattern.compile("What is the age of (.+)\\?").matcher(q)).matches()) return "How old is " + m.group(1) + "?";
        if ((m = Pattern.compile("Which city is home to (.+)\\?").matcher(q)).matches()) return "Where does " + m.group(1) + " live?";
        if ((m = Pattern.compile("Who mentors (.+)\\?").matcher(q)).matches()) return "Who is the mentor of " + m.group(1) + "?";
        throw new AssertionError("not a second-phrasing fact question: " + q);
    }

    private static Set<TaskKind> kinds(List<DemoItem> items) {
        Set<TaskKind> k = EnumSet.noneOf(TaskKind.class);
        items.forEach(i -> k.add(i.kind()));
        return k;
    }

    private static List<DemoItem> concat(List<DemoItem> a, List<DemoItem> b) {
        List<DemoItem> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void everyAnswerIsRecomputedFromTheWorldOrTheQuestion(TestInfo info) {
        Rng rng = Rng.forTest(info);
        GeneratorConfig config = GeneratorConfig.cpuDefault(rng.nextLong());
        DemoCorpus c = new TaskGenerator(config).generate();
        Map<String, SyntheticWorld.Person> byName = new HashMap<>();
        c.world().people().forEach(p -> byName.put(p.name(), p));
        Set<Integer> stepCounts = new TreeSet<>();
        for (DemoItem item : concat(c.pretrain(), concat(concat(c.trainS1(), c.trainS2()), concat(c.testS1(), c.testS2())))) {
            String tag = rng.tag() + " " + item;
            assertEquals(expectedGold(item, c.world(), byName, stepCounts), item.gold(), tag);
            assertTrue(DemoAccuracy.correct(item, item.answer()), "the training answer scores as correct: " + tag);
            if (item.system() == DemoSystem.S2) {
                assertTrue(item.answer().endsWith("\n#### " + item.gold()), tag);
            } else {
                assertEquals(item.gold(), item.answer(), tag);
            }
        }
        assertEquals(Set.of(2, 3, 4, 5, 6), stepCounts, rng.tag() + " word problems of 2 to 6 steps");
    }

    private static final Pattern ONE_OP = Pattern.compile("What is (\\d+) ([-+*]) (\\d+)\\?");
    private static final Pattern BOX = Pattern.compile("The (\\w+) box holds (\\d+) \\w+\\. ");
    private static final Pattern ASKED_BOX = Pattern.compile("How many \\w+ does the (\\w+) box hold\\?$");
    private static final Pattern STEP = Pattern.compile(
            " Then (?:(\\w+) gets (\\d+) more|(\\w+) gives away (\\d+)|the number of \\w+ (doubles|triples)|(\\w+) gives away half of them)\\.");
    /** Question forms over the world: (the mentor of)* hops, then the person; and the attribute asked. */
    private static final String[][] WORLD_FORMS = {
        {"How old is ((?:the mentor of )*)(.+)\\?", "age"},
        {"What is the age of ()(.+)\\?", "age"},
        {"Where does ((?:the mentor of )*)(.+) live\\?", "city"},
        {"Which city is home to ()(.+)\\?", "city"},
        {"Who is the mentor of ((?:the mentor of )*)(.+)\\?", "mentor"},
        {"Who mentors ()(.+)\\?", "mentor"}};

    /** The answer computed here from the question text and the world alone. */
    private static String expectedGold(DemoItem item, SyntheticWorld world, Map<String, SyntheticWorld.Person> byName,
                                       Set<Integer> stepCounts) {
        String q = item.question();
        switch (item.kind()) {
            case ARITHMETIC -> {
                Matcher m = ONE_OP.matcher(q);
                assertTrue(m.matches(), q);
                long a = Long.parseLong(m.group(1)), b = Long.parseLong(m.group(3));
                long v = switch (m.group(2)) {
                    case "+" -> a + b;
                    case "-" -> a - b;
                    default -> a * b;
                };
                assertTrue(v >= 0, q);
                return Long.toString(v);
            }
            case PASSAGE -> {
                Map<String, String> boxes = new HashMap<>();
                Matcher m = BOX.matcher(q);
                while (m.find()) boxes.put(m.group(1), m.group(2));
                Matcher asked = ASKED_BOX.matcher(q);
                assertTrue(asked.find(), q);
                return boxes.get(asked.group(1));
            }
            case WORD_PROBLEM -> {
                Matcher start = Pattern.compile("^\\w+ has (\\d+) \\w+\\.").matcher(q);
                assertTrue(start.find(), q);
                long v = Long.parseLong(start.group(1));
                Matcher m = STEP.matcher(q);
                int steps = 0;
                while (m.find()) {
                    steps++;
                    if (m.group(2) != null) v += Long.parseLong(m.group(2));
                    else if (m.group(4) != null) v -= Long.parseLong(m.group(4));
                    else if (m.group(5) != null) v *= m.group(5).equals("doubles") ? 2 : 3;
                    else {
                        assertEquals(0, v % 2, q);
                        v /= 2;
                    }
                    assertTrue(v >= 0 && v <= 999, q);
                }
                stepCounts.add(steps);
                return Long.toString(v);
            }
            case FACT, MULTI_HOP -> {
                for (String[] form : WORLD_FORMS) {
                    Matcher m = Pattern.compile(form[0]).matcher(q);
                    if (!m.matches()) continue;
                    int hops = m.group(1).length() / "the mentor of ".length();
                    assertEquals(item.kind() == TaskKind.MULTI_HOP, hops > 0, q);
                    SyntheticWorld.Person p = byName.get(m.group(2));
                    assertTrue(p != null, "unknown person in " + q);
                    for (int h = 0; h < hops; h++) p = world.mentorOf(p);
                    return switch (form[1]) {
                        case "age" -> Integer.toString(p.age());
                        case "city" -> world.cityOf(p);
                        default -> world.mentorOf(p).name();
                    };
                }
                throw new AssertionError("no question form matches " + q);
            }
            default -> throw new AssertionError(item.kind());
        }
    }

    @Test
    void filesReadBackAsWrittenAndBadLinesAreNamed(TestInfo info, @TempDir Path dir) throws IOException {
        DemoCorpus c = new TaskGenerator(GeneratorConfig.tiny(Rng.forTest(info).nextLong())).generate();
        Path file = dir.resolve("s2.jsonl");
        DemoDataFiles.write(c.trainS2(), file);
        assertEquals(c.trainS2(), DemoDataFiles.read(file));
        String first = Files.readAllLines(file).get(0);
        assertTrue(first.startsWith("{\"question\":") && first.contains("\"answer\":")
                && first.contains("\"" + DemoDataFiles.LABEL_FIELD + "\":\"S2\""), first);
        Files.writeString(file, first + "\n" + first.replace("\"S2\"", "\"S1\"") + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoDataFiles.read(file));
        assertTrue(e.getMessage().contains(file + ":2") && e.getMessage().contains(DemoDataFiles.LABEL_FIELD),
                e.getMessage());
        Files.writeString(file, "{\"question\":\"q\",\"answer\":\"a\",\"kind\":\"fact\",\"ground_truth_system\":\"S1\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> DemoDataFiles.read(file));
        assertTrue(e.getMessage().contains(file + ":1") && e.getMessage().contains("'gold'"), e.getMessage());
    }

    @Test
    void anExhaustedKindIsLeftOutAndTheOthersFillTheSet(TestInfo info) {
        // one-operation sums, differences and products of numbers below 30: about 1,600 distinct questions
        // (6,000 items drawn in turn from three sources would need 2,000 of them)
        GeneratorConfig config = new GeneratorConfig(Rng.forTest(info).nextLong(), 4, 1, 6000, 10, 10, 3, 2, 3);
        DemoCorpus c = new TaskGenerator(config).generate();
        assertEquals(6000, c.pretrain().size());
        long arithmetic = c.pretrain().stream().filter(i -> i.kind() == TaskKind.ARITHMETIC).count();
        assertTrue(arithmetic > 1000 && arithmetic < 1700, "arithmetic items: " + arithmetic);
        assertEquals(6000, c.pretrain().stream().map(DemoItem::question).distinct().count());
    }

    @Test
    void badSizesAreRejectedWithTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GeneratorConfig(1, 3, 2, 10, 10, 10, 10, 10, 4));
        assertTrue(e.getMessage().contains("people"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GeneratorConfig(1, 8, 2, 10, 10, 10, 10, 10, 7));
        assertTrue(e.getMessage().contains("maxSteps"), e.getMessage());
    }
}

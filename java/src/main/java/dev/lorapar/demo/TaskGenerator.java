package dev.lorapar.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Generates a {@link DemoCorpus} from a {@link GeneratorConfig}; the same config gives the same corpus.
 *
 * <p>Splits do not leak: the test sets are drawn first and no test question appears in the training or pretraining
 * sets; no multi-hop chain of the test set (start person, hops, attribute) is in them either, only its single facts
 * are. Test facts are asked in the second phrasing, whose training copies are removed, so a fact answered in the
 * test was learnt in the first phrasing. The base model is pretrained on the first half of the people (facts and
 * one-hop chains), on smaller numbers and on two-step word problems: it knows the format but not the rest of the
 * world or longer problems.
 */
public final class TaskGenerator {
    private static final int ATTEMPTS = 10_000;

    private final GeneratorConfig config;

    public TaskGenerator(GeneratorConfig config) {
        this.config = config;
    }

    public DemoCorpus generate() {
        SplittableRandom random = new SplittableRandom(config.seed());
        SyntheticWorld world = SyntheticWorld.generate(random.split(), config.people(), config.cities());
        WorldQuestions questions = new WorldQuestions(world);
        int everyone = world.people().size(), half = everyone / 2;
        List<String> firstNames = new ArrayList<>();
        world.people().forEach(p -> firstNames.add(p.name().substring(0, p.name().indexOf(' '))));
        Supplier<DemoItem> wordProblem = () -> NumberProblems.wordProblem(random, pick(random, firstNames),
                2 + random.nextInt(config.maxSteps() - 1));
        Supplier<DemoItem> arithmetic = () -> NumberProblems.arithmetic(random, 100);
        Supplier<DemoItem> passage = () -> NumberProblems.passage(random);

        // test first; test facts are asked in the second phrasing and taught in the first
        List<int[]> factRefs = new ArrayList<>();  // (person, attribute)
        for (int i = 0; i < everyone; i++) {
            for (WorldQuestions.Attribute a : WorldQuestions.Attribute.values()) {
                factRefs.add(new int[] {i, a.ordinal()});
            }
        }
        Collections.shuffle(factRefs, random);
        List<int[]> testFactRefs = factRefs.subList(0, Math.min(factRefs.size(), config.testS1() / 3));
        Set<String> testQuestions = new HashSet<>();
        List<DemoItem> testS1 = new ArrayList<>(), taught = new ArrayList<>();
        for (int[] f : testFactRefs) {
            WorldQuestions.Attribute a = WorldQuestions.Attribute.values()[f[1]];
            testS1.add(questions.fact(f[0], a, 1));
            testQuestions.add(testS1.getLast().question());
            taught.add(questions.fact(f[0], a, 0));
        }
        fill(testS1, config.testS1(), List.of(arithmetic, passage), testQuestions);
        List<DemoItem> testS2 = new ArrayList<>();
        take(shuffled(questions.allChains(0, everyone, 1, 2), random), config.testS2() / 2, testS2, testQuestions,
                Set.of());
        fill(testS2, config.testS2(), List.of(wordProblem), testQuestions);
        Set<String> testChains = new HashSet<>();
        testS2.forEach(i -> {
            if (i.chainKey() != null) testChains.add(i.chainKey());
        });

        // training sets: nothing asked in the test, no test chain
        List<DemoItem> trainS1 = new ArrayList<>();
        Set<String> trainSeen = new HashSet<>(testQuestions);
        take(taught, config.trainS1() / 2, trainS1, trainSeen, Set.of());
        take(shuffled(questions.facts(0, everyone, 0, 1), random), config.trainS1() / 2 - trainS1.size(), trainS1,
                trainSeen, Set.of());
        fill(trainS1, config.trainS1(), List.of(arithmetic, passage), trainSeen);
        List<DemoItem> trainS2 = new ArrayList<>();
        take(shuffled(questions.allChains(0, everyone, 1, 2), random), config.trainS2() / 2, trainS2, trainSeen,
                testChains);
        fill(trainS2, config.trainS2(), List.of(wordProblem), trainSeen);

        // pretraining: half the world, easier problems
        List<DemoItem> pretrain = new ArrayList<>();
        Set<String> pretrainSeen = new HashSet<>(testQuestions);
        int n = config.pretrainItems();
        take(shuffled(questions.facts(0, half, 0, 1), random), n * 2 / 5, pretrain, pretrainSeen, Set.of());
        take(shuffled(questions.allChains(0, half, 1, 1), random), n * 3 / 20, pretrain, pretrainSeen, testChains);
        Supplier<DemoItem> easyArithmetic = () -> NumberProblems.arithmetic(random, 30);
        Supplier<DemoItem> twoSteps = () -> NumberProblems.wordProblem(random, pick(random, firstNames), 2);
        fill(pretrain, n, List.of(easyArithmetic, passage, twoSteps), pretrainSeen);

        return new DemoCorpus(world, shuffled(pretrain, random), shuffled(trainS1, random), shuffled(trainS2, random),
                shuffled(testS1, random), shuffled(testS2, random));
    }

    private static <T> T pick(SplittableRandom random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private static List<DemoItem> shuffled(List<DemoItem> items, SplittableRandom random) {
        List<DemoItem> copy = new ArrayList<>(items);
        Collections.shuffle(copy, random);
        return copy;
    }

    /** Appends up to {@code count} items of {@code pool} whose question is new and whose chain is not excluded. */
    private static void take(List<DemoItem> pool, int count, List<DemoItem> into, Set<String> seen,
                             Set<String> excludedChains) {
        int taken = 0;
        for (DemoItem item : pool) {
            if (taken >= count) {
                return;
            }
            if (item.chainKey() != null && excludedChains.contains(item.chainKey())) {
                continue;
            }
            if (seen.add(item.question())) {
                into.add(item);
                taken++;
            }
        }
    }

    /**
     * Draws from the sources in turn until {@code into} holds {@code size} items, each with a new question; a source
     * that gives no new question in {@link #ATTEMPTS} draws is exhausted and left out from then on.
     */
    private static void fill(List<DemoItem> into, int size, List<Supplier<DemoItem>> sources, Set<String> seen) {
        List<Supplier<DemoItem>> live = new ArrayList<>(sources);
        int source = 0, failures = 0;
        while (into.size() < size) {
            DemoItem item = live.get(source).get();
            if (seen.add(item.question())) {
                into.add(item);
                source = (source + 1) % live.size();
                failures = 0;
            } else if (++failures > ATTEMPTS) {
                live.remove(source);
                if (live.isEmpty()) {
                    throw new IllegalStateException("cannot draw " + size + " distinct items (only " + into.size()
                            + "; " + item.kind() + " questions exhausted last); lower the item counts");
                }
                source %= live.size();
                failures = 0;
            }
        }
    }
}

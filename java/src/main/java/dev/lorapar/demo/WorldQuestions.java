package dev.lorapar.demo;

import dev.lorapar.demo.SyntheticWorld.Person;
import java.util.ArrayList;
import java.util.List;

/**
 * The questions a {@link SyntheticWorld} answers. System 1: one fact of one person in one of two phrasings
 * (phrasing 0 for training, phrasing 1 also for testing). System 2: a chain of 1–2 mentor hops followed by an
 * attribute, written out step by step and ending {@code #### gold}.
 */
final class WorldQuestions {
    /** The attributes asked about. */
    enum Attribute {
        AGE, CITY, MENTOR
    }

    private final SyntheticWorld world;

    WorldQuestions(SyntheticWorld world) {
        this.world = world;
    }

    /** The fact {@code attribute} of person {@code index} in phrasing 0 or 1. */
    DemoItem fact(int index, Attribute attribute, int phrasing) {
        Person p = world.person(index);
        String n = p.name();
        String q, gold;
        switch (attribute) {
            case AGE -> {
                q = phrasing == 0 ? "How old is " + n + "?" : "What is the age of " + n + "?";
                gold = Integer.toString(p.age());
            }
            case CITY -> {
                q = phrasing == 0 ? "Where does " + n + " live?" : "Which city is home to " + n + "?";
                gold = world.cityOf(p);
            }
            case MENTOR -> {
                q = phrasing == 0 ? "Who is the mentor of " + n + "?" : "Who mentors " + n + "?";
                gold = world.mentorOf(p).name();
            }
            default -> throw new AssertionError(attribute);
        }
        return new DemoItem(q, gold, gold, TaskKind.FACT, null);
    }

    /** Every fact question of the people {@code from..to-1} in the phrasings {@code minPhrasing..maxPhrasing}. */
    List<DemoItem> facts(int from, int to, int minPhrasing, int maxPhrasing) {
        List<DemoItem> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            for (Attribute a : Attribute.values()) {
                for (int phrasing = minPhrasing; phrasing <= maxPhrasing; phrasing++) {
                    out.add(fact(i, a, phrasing));
                }
            }
        }
        return out;
    }

    /**
     * The chain from person {@code index} through {@code hops} mentors (1 or 2), then {@code attribute} of the
     * person reached: hops + 1 facts in all, each written out as one line of the solution.
     */
    DemoItem chain(int index, int hops, Attribute attribute) {
        if (hops < 1 || hops > 2) {
            throw new IllegalArgumentException("a chain has 1 or 2 mentor hops, got " + hops);
        }
        Person start = world.person(index);
        StringBuilder subject = new StringBuilder();
        for (int h = 0; h < hops; h++) {
            subject.append("the mentor of ");
        }
        subject.append(start.name());
        StringBuilder work = new StringBuilder();
        Person at = start;
        for (int h = 0; h < hops; h++) {
            Person next = world.mentorOf(at);
            work.append("The mentor of ").append(at.name()).append(" is ").append(next.name()).append(".\n");
            at = next;
        }
        String q, gold;
        switch (attribute) {
            case AGE -> {
                q = "How old is " + subject + "?";
                gold = Integer.toString(at.age());
                work.append(at.name()).append(" is ").append(gold).append(" years old.\n");
            }
            case CITY -> {
                q = "Where does " + subject + " live?";
                gold = world.cityOf(at);
                work.append(at.name()).append(" lives in ").append(gold).append(".\n");
            }
            case MENTOR -> {
                q = "Who is the mentor of " + subject + "?";
                Person m = world.mentorOf(at);
                gold = m.name();
                work.append("The mentor of ").append(at.name()).append(" is ").append(gold).append(".\n");
            }
            default -> throw new AssertionError(attribute);
        }
        work.append("#### ").append(gold);
        String key = start.name() + "|" + "mentor>".repeat(hops) + attribute.name().toLowerCase();
        return new DemoItem(q, work.toString(), gold, TaskKind.MULTI_HOP, key);
    }

    /** Every chain of the people {@code from..to-1} with {@code minHops..maxHops} hops. */
    List<DemoItem> allChains(int from, int to, int minHops, int maxHops) {
        List<DemoItem> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            for (int hops = minHops; hops <= maxHops; hops++) {
                for (Attribute a : Attribute.values()) {
                    out.add(chain(i, hops, a));
                }
            }
        }
        return out;
    }
}

package dev.lorapar.demo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A generated fictional world: people with an age and a home city, each with one mentor (another person). Names are
 * made of random syllables, so nothing about them is known in advance. The same seed and sizes give the same world.
 */
public final class SyntheticWorld {
    /** One person: name, age (18–79), index of the home city, index of the mentor (never the person). */
    public record Person(String name, int age, int city, int mentor) {
    }

    private static final String[] ONSETS = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"};
    private static final String[] VOWELS = {"a", "e", "i", "o", "u"};
    private static final String[] CODAS = {"", "", "n", "r", "l", "s"};

    private final List<String> cities;
    private final List<Person> people;

    private SyntheticWorld(List<String> cities, List<Person> people) {
        this.cities = List.copyOf(cities);
        this.people = List.copyOf(people);
    }

    /** A world of {@code peopleCount} people (≥ 2) in {@code cityCount} cities (≥ 1), drawn from {@code random}. */
    public static SyntheticWorld generate(SplittableRandom random, int peopleCount, int cityCount) {
        if (peopleCount < 2 || cityCount < 1) {
            throw new IllegalArgumentException("a world needs ≥ 2 people and ≥ 1 city, got " + peopleCount
                    + " people and " + cityCount + " cities");
        }
        Set<String> used = new HashSet<>();
        List<String> cities = new ArrayList<>();
        while (cities.size() < cityCount) {
            String c = capitalize(word(random, 2 + random.nextInt(2)));
            if (used.add(c)) {
                cities.add(c);
            }
        }
        List<String> names = new ArrayList<>();
        while (names.size() < peopleCount) {
            String n = capitalize(word(random, 2)) + " " + capitalize(word(random, 2 + random.nextInt(2)));
            if (used.add(n)) {
                names.add(n);
            }
        }
        List<Person> people = new ArrayList<>();
        for (int i = 0; i < peopleCount; i++) {
            int mentor = random.nextInt(peopleCount - 1);
            if (mentor >= i) {
                mentor++;  // anyone but the person
            }
            people.add(new Person(names.get(i), 18 + random.nextInt(62), random.nextInt(cityCount), mentor));
        }
        return new SyntheticWorld(cities, people);
    }

    private static String word(SplittableRandom random, int syllables) {
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < syllables; s++) {
            sb.append(ONSETS[random.nextInt(ONSETS.length)]).append(VOWELS[random.nextInt(VOWELS.length)]);
            if (s == syllables - 1) {
                sb.append(CODAS[random.nextInt(CODAS.length)]);
            }
        }
        return sb.toString();
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    public List<Person> people() {
        return people;
    }

    public List<String> cities() {
        return cities;
    }

    public Person person(int index) {
        return people.get(index);
    }

    /** The city name of {@code p}. */
    public String cityOf(Person p) {
        return cities.get(p.city());
    }

    /** The mentor of {@code p}. */
    public Person mentorOf(Person p) {
        return people.get(p.mentor());
    }
}

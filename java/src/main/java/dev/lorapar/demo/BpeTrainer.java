package dev.lorapar.demo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Learns a small byte-fallback BPE vocabulary for a corpus, in LLaMA's SentencePiece layout: text is normalised as
 * the tokenizer will normalise it (a leading "▁", every space as "▁"), cut into words that each start at a "▁", and
 * the most frequent adjacent pair of symbols inside a word is merged, again and again. Digits and newlines are never
 * merged, so every number is written digit by digit (arithmetic stays learnable), and no piece spans two words.
 * Ties between equally frequent pairs go to the lexicographically smaller pair, so the result depends only on the
 * texts and the merge count.
 */
public final class BpeTrainer {
    /** What was learnt: the characters seen (sorted by code point) and the merges in order. */
    public record Learned(List<String> characters, List<String[]> merges) {
    }

    private static final String META = "\u2581";

    private BpeTrainer() {
    }

    /** Learns up to {@code maxMerges} merges (stopping early when no pair occurs twice). */
    public static Learned learn(Iterable<String> texts, int maxMerges) {
        if (maxMerges < 0) {
            throw new IllegalArgumentException("maxMerges must be ≥ 0, got " + maxMerges);
        }
        Map<String, Integer> wordCounts = new HashMap<>();
        TreeSet<Integer> characters = new TreeSet<>();
        for (String text : texts) {
            String normalized = META + text.replace(" ", META);
            normalized.codePoints().forEach(characters::add);
            for (String w : words(normalized)) {
                wordCounts.merge(w, 1, Integer::sum);
            }
        }
        "0123456789".chars().forEach(characters::add);
        characters.add(META.codePointAt(0));
        // words in a fixed order, each as its list of symbols
        List<List<String>> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        new TreeMap<>(wordCounts).forEach((w, c) -> {
            List<String> symbols = new ArrayList<>();
            w.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
            words.add(symbols);
            counts.add(c);
        });
        List<String[]> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            String[] best = mostFrequentPair(words, counts);
            if (best == null) {
                break;
            }
            merges.add(best);
            String merged = best[0] + best[1];
            for (List<String> symbols : words) {
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    if (symbols.get(i).equals(best[0]) && symbols.get(i + 1).equals(best[1])) {
                        symbols.set(i, merged);
                        symbols.remove(i + 1);
                    }
                }
            }
        }
        List<String> chars = new ArrayList<>();
        characters.forEach(cp -> chars.add(new String(Character.toChars(cp))));
        return new Learned(chars, merges);
    }

    /** Splits normalised text before every "▁" and around every newline. */
    static List<String> words(String normalized) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        normalized.codePoints().forEach(cp -> {
            if ((cp == META.codePointAt(0) || cp == '\n') && !word.isEmpty()) {
                out.add(word.toString());
                word.setLength(0);
            }
            word.appendCodePoint(cp);
            if (cp == '\n') {
                out.add(word.toString());
                word.setLength(0);
            }
        });
        if (!word.isEmpty()) {
            out.add(word.toString());
        }
        return out;
    }

    private static boolean mergeable(String symbol) {
        return symbol.chars().noneMatch(c -> c == '\n' || (c >= '0' && c <= '9'));
    }

    private static String[] mostFrequentPair(List<List<String>> words, List<Integer> counts) {
        Map<String, long[]> pairCounts = new LinkedHashMap<>();
        Map<String, String[]> pairs = new HashMap<>();
        for (int w = 0; w < words.size(); w++) {
            List<String> symbols = words.get(w);
            for (int i = 0; i + 1 < symbols.size(); i++) {
                String a = symbols.get(i), b = symbols.get(i + 1);
                if (!mergeable(a) || !mergeable(b)) {
                    continue;
                }
                String key = a + "\u0000" + b;
                pairCounts.computeIfAbsent(key, k -> new long[1])[0] += counts.get(w);
                pairs.putIfAbsent(key, new String[] {a, b});
            }
        }
        String bestKey = null;
        long bestCount = 1;  // a pair must occur at least twice
        for (Map.Entry<String, long[]> e : pairCounts.entrySet()) {
            long c = e.getValue()[0];
            if (c > bestCount || c == bestCount && bestKey != null && e.getKey().compareTo(bestKey) < 0) {
                bestKey = e.getKey();
                bestCount = c;
            }
        }
        return bestKey == null ? null : pairs.get(bestKey);
    }
}

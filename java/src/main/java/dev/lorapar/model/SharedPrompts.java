package dev.lorapar.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Identical prompts of one prefill (the G completions of a GRPO prompt, an OpenAI request with {@code n} > 1): each
 * distinct prompt runs through the model once, and its cache positions are then copied into the cache rows of the
 * requests that repeat it. {@code source[r]} is the first request with request r's prompt (r itself when first).
 */
record SharedPrompts(int[] source,       // [n] request → the first request with the same prompt
                     List<int[]> unique, // the distinct prompts, in order of first occurrence
                     int[] copyFrom,     // [copied positions] cache slots of the first occurrences
                     int[] copyTo) {     // [copied positions] the repeating requests' slots, same order

    /** Finds the repeats among {@code prompts}; request r's cache row is cacheRows[r] of maxLength positions. */
    static SharedPrompts of(List<int[]> prompts, int[] cacheRows, int maxLength) {
        int n = prompts.size();
        int[] source = new int[n];
        List<int[]> unique = new ArrayList<>();
        Map<Key, Integer> first = new HashMap<>();
        int copied = 0;
        for (int r = 0; r < n; r++) {
            Integer earlier = first.putIfAbsent(new Key(prompts.get(r)), r);
            source[r] = earlier == null ? r : earlier;
            if (earlier == null) {
                unique.add(prompts.get(r));
            } else {
                copied += prompts.get(r).length;
            }
        }
        int[] from = new int[copied], to = new int[copied];
        int at = 0;
        for (int r = 0; r < n; r++) {
            if (source[r] != r) {
                for (int i = 0; i < prompts.get(r).length; i++, at++) {
                    from[at] = cacheRows[source[r]] * maxLength + i;
                    to[at] = cacheRows[r] * maxLength + i;
                }
            }
        }
        return new SharedPrompts(source, unique, from, to);
    }

    /** An int[] compared by content. */
    private record Key(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }
}

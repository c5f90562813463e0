package dev.lorapar.tests.reference;

import java.util.ArrayList;
import java.util.List;

/**
 * The one ranking used by every selection op: value descending, index ascending among equal
 * values. Values compare numerically, so −0.0 and +0.0 are equal (ties broken by index).
 */
public final class RankOrder {
    private RankOrder() {}

    /** Indices of values (those with include[i], or all when include is null) in rank order. */
    public static int[] rank(float[] values, boolean[] include) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < values.length; i++) if (include == null || include[i]) idx.add(i);
        idx.sort((p, q) -> {
            float a = values[p], b = values[q];
            if (a > b) return -1;
            if (a < b) return 1;
            return Integer.compare(p, q);
        });
        int[] out = new int[idx.size()];
        for (int i = 0; i < out.length; i++) out[i] = idx.get(i);
        return out;
    }
}

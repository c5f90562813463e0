package dev.lorapar.tests.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.data.EvalSize;
import dev.lorapar.train.data.HeldOutSplit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The eval split: disjoint from train, covering everything, fixed by the seed, in list order. */
class HeldOutSplitTest {
    @Test
    void disjointCompleteAndDeterministic(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int n = rng.between(20, 2000);
        List<Integer> items = IntStream.range(0, n).boxed().toList();
        long seed = rng.nextLong();
        double fraction = 0.01 + 0.3 * rng.nextDouble();
        HeldOutSplit<Integer> split = HeldOutSplit.of(items, EvalSize.fraction(fraction), seed);
        assertEquals(Math.max(1, Math.round(fraction * n)), split.eval().size(), rng.tag());
        Set<Integer> eval = new HashSet<>(split.eval());
        assertTrue(split.train().stream().noneMatch(eval::contains), "disjoint " + rng.tag());
        List<Integer> union = new ArrayList<>(split.train());
        union.addAll(split.eval());
        union.sort(null);
        assertEquals(items, union, "every item in one part " + rng.tag());
        assertEquals(split.train().stream().sorted().toList(), split.train(), "train keeps list order");
        assertEquals(split.eval().stream().sorted().toList(), split.eval(), "eval keeps list order");
        assertEquals(split.eval(), IntStream.of(split.evalIndices()).boxed().toList());
        HeldOutSplit<Integer> again = HeldOutSplit.of(items, EvalSize.fraction(fraction), seed);
        assertEquals(split.eval(), again.eval(), "same seed, same split " + rng.tag());
        assertNotEquals(split.eval(), HeldOutSplit.of(items, EvalSize.fraction(fraction), seed + 1).eval(),
                "another seed, another split " + rng.tag());
        // the same file order with other contents (e.g. another tokenizer's samples) gives the same positions
        List<String> strings = items.stream().map(i -> "x" + i).toList();
        assertEquals(split.eval().stream().map(i -> "x" + i).toList(),
                HeldOutSplit.of(strings, EvalSize.fraction(fraction), seed).eval());
    }

    @Test
    void sizes() {
        List<Integer> items = IntStream.range(0, 10).boxed().toList();
        assertEquals(3, HeldOutSplit.of(items, EvalSize.count(3), 1).eval().size());
        assertEquals(0, HeldOutSplit.of(items, EvalSize.NONE, 1).eval().size());
        assertEquals(10, HeldOutSplit.of(items, EvalSize.NONE, 1).train().size());
        assertEquals(1, HeldOutSplit.of(items, EvalSize.fraction(0.001), 1).eval().size(), "a positive fraction holds one");
        assertThrows(IllegalArgumentException.class, () -> HeldOutSplit.of(items, EvalSize.count(10), 1));
        assertThrows(IllegalArgumentException.class, () -> EvalSize.fraction(1.0));
        assertThrows(IllegalArgumentException.class, () -> EvalSize.fraction(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> EvalSize.count(-2));
    }
}

package dev.lorapar.tests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.demo.DemoAccuracy;
import dev.lorapar.demo.DemoItem;
import dev.lorapar.demo.TaskKind;
import org.junit.jupiter.api.Test;

/** Exact-match scoring of generated answers, by hand-written cases. */
class DemoAccuracyTest {
    private static DemoItem number(String gold) {
        return new DemoItem("q", "w\n#### " + gold, gold, TaskKind.WORD_PROBLEM, null);
    }

    private static DemoItem name(String gold) {
        return new DemoItem("q", gold, gold, TaskKind.FACT, null);
    }

    @Test
    void numbersAreFoundAsEvalFindsThem() {
        assertTrue(DemoAccuracy.correct(number("132"), "22 * 2 = 44.\n44 * 3 = 132.\n#### 132"));
        assertTrue(DemoAccuracy.correct(number("132"), "132"));
        assertTrue(DemoAccuracy.correct(number("132"), "#### 132."));
        assertTrue(DemoAccuracy.correct(number("7"), "it is 3 then 7"), "last number without ####");
        assertFalse(DemoAccuracy.correct(number("132"), "44 * 3 = 132.\n#### 131"), "the #### answer wins");
        assertFalse(DemoAccuracy.correct(number("13"), "132"));
        assertFalse(DemoAccuracy.correct(number("5"), ""));
        assertFalse(DemoAccuracy.correct(number("5"), "five"));
    }

    @Test
    void namesMatchExactlyAfterTheLastHashMarks() {
        assertTrue(DemoAccuracy.correct(name("Baretul"), "Baretul"));
        assertTrue(DemoAccuracy.correct(name("Baretul"), " Baretul. "));
        assertTrue(DemoAccuracy.correct(name("Supo Milur"), "The mentor of X is Supo Milur.\n#### Supo Milur"));
        assertTrue(DemoAccuracy.correct(name("Supo Milur"), "#### Supo Milur\nextra line"));
        assertFalse(DemoAccuracy.correct(name("Supo Milur"), "#### Supo"));
        assertFalse(DemoAccuracy.correct(name("Supo Milur"), "Supo Milur Zed"));
        assertFalse(DemoAccuracy.correct(name("Baretul"), "baretul"));
        assertFalse(DemoAccuracy.correct(name("Baretul"), "#### Baretul\n#### Kolo"));
    }

    @Test
    void setAccuracyIsTheFraction() {
        assertEquals(0.25, new DemoAccuracy.SetAccuracy("S1", 1, 4).fraction());
        assertEquals("S2 50.0% (2/4)", new DemoAccuracy.SetAccuracy("S2", 2, 4).toString());
        assertTrue(Double.isNaN(new DemoAccuracy.SetAccuracy("S1", 0, 0).fraction()));
    }
}

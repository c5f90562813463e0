package dev.lorapar.tests.eval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.eval.bench.Extraction;
import dev.lorapar.eval.bench.ExtractionRule;
import dev.lorapar.eval.bench.LetterExtractor;
import dev.lorapar.eval.bench.MathAnswer;
import dev.lorapar.eval.bench.NumericAnswer;
import dev.lorapar.eval.bench.NumericExtractor;
import dev.lorapar.eval.bench.YesNoExtractor;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Answer extraction on hand-written model outputs: the answer found (normalised) and the rule that found it. */
class ExtractionTest {
    /** (output, expected answer or null, expected rule). */
    record Case(String output, String answer, ExtractionRule rule) {
        @Override
        public String toString() {
            return output.replace("\n", "\\n") + " -> " + answer;
        }
    }

    static List<Case> numeric() {
        return List.of(
                new Case("The answer is $1,234.50.", "1234.5", ExtractionRule.ANSWER_IS),
                new Case("Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72", "72", ExtractionRule.HASH_MARKS),
                new Case("#### 72", "72", ExtractionRule.HASH_MARKS),
                new Case("####72.", "72", ExtractionRule.HASH_MARKS),
                new Case("#### 1,600\n\nQuestion: another 5 apples", "1600", ExtractionRule.HASH_MARKS),
                new Case("<answer>-3</answer>", "-3", ExtractionRule.ANSWER_TAG),
                new Case("<answer> 18 </answer> and later 20", "18", ExtractionRule.ANSWER_TAG),
                new Case("<answer>She has 5 apples</answer>", "5", ExtractionRule.ANSWER_TAG),
                new Case("<answer>1</answer> no wait <answer>2</answer>", "2", ExtractionRule.ANSWER_TAG),
                new Case("<answer>none</answer> so 7", "7", ExtractionRule.LAST),
                new Case("<answer>12", "12", ExtractionRule.LAST),
                new Case("I don't know.", null, ExtractionRule.NONE),
                new Case("", null, ExtractionRule.NONE),
                new Case("She had 3 apples, bought 4 more and has 7 now.", "7", ExtractionRule.LAST),
                new Case("The answer is 5 apples, not 6.", "5", ExtractionRule.ANSWER_IS),
                new Case("So the answer is 18.\nThe total was 20 before.", "18", ExtractionRule.ANSWER_IS),
                new Case("The answer is: −3", "-3", ExtractionRule.ANSWER_IS),
                new Case("He lost 10 dollars, so the change is -10.", "-10", ExtractionRule.LAST),
                new Case("5-3=2", "2", ExtractionRule.LAST),
                new Case("x = -3", "-3", ExtractionRule.LAST),
                new Case("It costs $18.00", "18", ExtractionRule.LAST),
                new Case("The price rose by 25%.", "25", ExtractionRule.LAST),
                new Case("She ate 3/4 of the pie", "0.75", ExtractionRule.LAST),
                new Case("A third is 1/3", "1/3", ExtractionRule.LAST),
                new Case("The result is 72.0", "72", ExtractionRule.LAST),
                new Case("The values are 1,2,3", "3", ExtractionRule.LAST),
                new Case("Version v2 costs 40", "40", ExtractionRule.LAST),
                new Case("\\boxed{1,000}", "1000", ExtractionRule.BOXED),
                new Case("It took 0.5 hours.", "0.5", ExtractionRule.LAST),
                new Case("$1,000,000 in total", "1000000", ExtractionRule.LAST),
                new Case("Total: 12,34", "34", ExtractionRule.LAST));
    }

    @ParameterizedTest
    @MethodSource("numeric")
    void numericExtraction(Case c) {
        assertEquals(new Extraction(c.answer(), c.rule()), NumericExtractor.extract(c.output()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "72|72", "72.0|72", "72.00|72", "1,234.50|1234.5", "$1,234.50.|1234.5", "-3|-3", "\u22123|-3", "+4|4",
        "-$5|-5", "$-5|-5", "25%|25", "3/4|0.75", "6/8|0.75", "-1/2|-0.5", "2/6|1/3", "10/5|2", "0.750|0.75",
        ".5|0.5", "007|7", "-0|0", "1,23|NULL", "12,3456|NULL", "five|NULL", "1e3|NULL", "1/0|NULL", "--3|NULL",
        "3 apples|NULL", "|NULL"})
    void numericNormalisation(String text, String canonical) {
        assertEquals(canonical, NumericAnswer.normalize(text == null ? "" : text));
    }

    static List<Case> yesNo() {
        return List.of(
                new Case("Yes. Frost is common in December.", "yes", ExtractionRule.LEADING),
                new Case("no, because hamsters cannot swim", "no", ExtractionRule.LEADING),
                new Case("Frost happens in winter. So the answer is yes.", "yes", ExtractionRule.ANSWER_IS),
                new Case("Answer: \"No\"", "no", ExtractionRule.ANSWER_IS),
                new Case("The answer is **No**. Yes, really.", "no", ExtractionRule.ANSWER_IS),
                new Case("<answer>YES</answer>", "yes", ExtractionRule.ANSWER_TAG),
                new Case("Thinking... there is no evidence", "no", ExtractionRule.LAST),
                new Case("Maybe.", null, ExtractionRule.NONE),
                new Case("Nothing is known; yesterday it snowed", null, ExtractionRule.NONE));
    }

    @ParameterizedTest
    @MethodSource("yesNo")
    void yesNoExtraction(Case c) {
        assertEquals(new Extraction(c.answer(), c.rule()), YesNoExtractor.extract(c.output()));
    }

    static List<Case> letters() {
        return List.of(
                new Case("The answer is (C).", "C", ExtractionRule.ANSWER_IS),
                new Case("Answer: **B**", "B", ExtractionRule.ANSWER_IS),
                new Case("the answer is option D", "D", ExtractionRule.ANSWER_IS),
                new Case("<answer>(E) 78.20</answer>", "E", ExtractionRule.ANSWER_TAG),
                new Case("C) 7(√3 – 1)", "C", ExtractionRule.LEADING),
                new Case("(A)", "A", ExtractionRule.LEADING),
                new Case(" B\n\nQuestion: next", "B", ExtractionRule.LEADING),
                new Case("A car moves, so we compute (B) first and then (D) is right", "D", ExtractionRule.LAST),
                new Case("The answer is F.", null, ExtractionRule.NONE),
                new Case("A car is red.", null, ExtractionRule.NONE));
    }

    @ParameterizedTest
    @MethodSource("letters")
    void letterExtraction(Case c) {
        assertEquals(new Extraction(c.answer(), c.rule()), LetterExtractor.extract(c.output(), 5));
    }

    static List<Case> math() {
        return List.of(
                new Case("So the probability is $\\boxed{\\frac{625}{648}}$.", "625/648", ExtractionRule.BOXED),
                new Case("\\boxed{\\frac{1}{2}}", "0.5", ExtractionRule.BOXED),
                new Case("\\boxed{\\dfrac12}", "0.5", ExtractionRule.BOXED),
                new Case("first \\boxed{3} then \\boxed{\\left( \\frac{11}{2}, -1, 1 \\right)}", "(\\frac{11}{2},-1,1)",
                        ExtractionRule.BOXED),
                new Case("the final \\boxed 5$ and", "5", ExtractionRule.BOXED),
                new Case("Final Answer: The final answer is $\\frac{2}{27}$. I hope it is correct.", "2/27",
                        ExtractionRule.ANSWER_IS),
                new Case("The answer is 68^\\circ. Done", "68", ExtractionRule.ANSWER_IS),
                new Case("<answer>x = 4</answer>", "4", ExtractionRule.ANSWER_TAG),
                new Case("#### 6,000", "6000", ExtractionRule.HASH_MARKS),
                new Case("no final answer here, 42", null, ExtractionRule.NONE),
                new Case("\\boxed{\\frac{1}{2}", null, ExtractionRule.NONE));
    }

    @ParameterizedTest
    @MethodSource("math")
    void mathExtraction(Case c) {
        assertEquals(new Extraction(c.answer(), c.rule()), MathAnswer.extract(c.output()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\\frac{1}{2}|0.5|true", "\\frac12|1/2|true", "\\tfrac{3}{4}|0.75|true", "-\\frac{1}{3}|\\frac{-1}{3}|true",
        "\\frac{1}{3}|0.333|false", "6,\\!000|6000|true", "0,1|01|false", "\\text{even}|even|true",
        "188\\text{ units}|188|true", "50\\%|50|true", "\\$18.90|18.9|true", "x=5|5|true", "5.|5|true",
        "\\left(1,2\\right)|(1, 2)|true", "\\sqrt2|\\sqrt{2}|true", "2\\sqrt{2}|\\sqrt{8}|false",
        "\\frac{\\sqrt{6}}{3}|\\frac{\\sqrt6}{3}|true", "\\pi/2|\\frac{\\pi}{2}|false", "[1,3)|(1,3]|false"})
    void mathEquivalence(String a, String b, boolean equal) {
        assertEquals(equal, MathAnswer.equivalent(a, b), () -> MathAnswer.normalize(a) + " vs " + MathAnswer.normalize(b));
    }
}

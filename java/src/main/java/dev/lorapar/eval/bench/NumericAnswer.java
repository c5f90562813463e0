package dev.lorapar.eval.bench;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Numbers in answers: parsing one written number, finding the numbers in a text, and one canonical form so that
 * two answers are equal exactly when their canonical strings are.
 *
 * <p>The rule. A number is an optional sign ({@code -}, {@code +} or the Unicode minus {@code U+2212}), an optional
 * currency sign ({@code $ € £}, before or after the sign), digits with or without thousands commas (only in groups
 * of exactly three: {@code 1,234,567}), an optional decimal part, then optionally {@code /digits} (a fraction) or
 * {@code %}. Its value is exact (a rational number): commas and the currency sign are dropped, trailing zeros do not
 * matter ({@code 72.0} = {@code 72}), a fraction is its quotient ({@code 3/4} = {@code 0.75}), and a percent sign is
 * dropped without dividing by 100 ({@code 25%} = {@code 25}, as GSM8K writes percentages). The canonical form is the
 * plain decimal of the value when it has one ({@code 1234.5}, {@code -3}, {@code 0.75}) and the reduced fraction
 * otherwise ({@code 1/3}); so {@code 0.333} is not {@code 1/3}: comparison is exact, without tolerance. Not numbers
 * here: scientific notation, spaces as thousands separators, words ("five"), mixed numbers ("1 1/2" reads as 1 and
 * 1/2), a fraction with a zero denominator.
 */
public final class NumericAnswer {
    private static final String SIGN = "[-+\u2212]", CURRENCY = "[$€£]";
    private static final String BODY = "(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|\\.\\d+";
    /** One whole written number (after trimming and dropping a trailing period). */
    private static final Pattern WHOLE = Pattern.compile(
            "(" + SIGN + ")?" + CURRENCY + "?(" + SIGN + ")?\\s*(" + BODY + ")(?:\\s*/\\s*(\\d+))?\\s*%?");
    /**
     * A number inside text: not glued to a word or another number before it (so {@code v2}, the {@code 3} of
     * {@code 5.3.1}... and the minus of {@code 5-3} do not start one), and not continued by a digit after a comma.
     */
    private static final Pattern IN_TEXT = Pattern.compile(
            "(?<![\\w./])(?:" + SIGN + ")?" + CURRENCY + "?(?:" + SIGN + ")?(?:" + BODY
                    + ")(?:/\\d+(?![.,]?\\d))?%?");

    private NumericAnswer() {
    }

    /** The canonical form of one written number, or null when the text is not one number by the rule above. */
    public static String normalize(String text) {
        BigInteger[] value = parse(text);
        return value == null ? null : canonical(value[0], value[1]);
    }

    /** True when both texts are numbers with the same value. */
    public static boolean equal(String a, String b) {
        String x = normalize(a), y = normalize(b);
        return x != null && x.equals(y);
    }

    /** The numbers written in {@code text}, in order, as they appear (not normalised). */
    public static List<String> findAll(String text) {
        List<String> found = new ArrayList<>();
        Matcher matcher = IN_TEXT.matcher(text);
        while (matcher.find()) {
            found.add(matcher.group());
        }
        return found;
    }

    /** The canonical form of the first number in {@code text}; null when there is none. */
    public static String first(String text) {
        List<String> all = findAll(text);
        return all.isEmpty() ? null : normalize(all.getFirst());
    }

    /** The canonical form of the last number in {@code text}; null when there is none. */
    public static String last(String text) {
        List<String> all = findAll(text);
        return all.isEmpty() ? null : normalize(all.getLast());
    }

    /** {numerator, positive denominator}, not reduced; null when not a number. */
    private static BigInteger[] parse(String text) {
        String trimmed = text.strip();
        while (trimmed.endsWith(".") && trimmed.length() > 1) {
            trimmed = trimmed.substring(0, trimmed.length() - 1).strip();
        }
        Matcher m = WHOLE.matcher(trimmed);
        if (!m.matches()) {
            return null;
        }
        if (m.group(1) != null && m.group(2) != null) {
            return null;  // two signs
        }
        String sign = m.group(1) != null ? m.group(1) : m.group(2);
        boolean negative = sign != null && !sign.equals("+");
        BigDecimal decimal = new BigDecimal(m.group(3).replace(",", ""));
        BigInteger numerator = decimal.unscaledValue();
        BigInteger denominator = BigInteger.TEN.pow(Math.max(0, decimal.scale()));
        if (m.group(4) != null) {
            BigInteger divisor = new BigInteger(m.group(4));
            if (divisor.signum() == 0) {
                return null;
            }
            denominator = denominator.multiply(divisor);
        }
        return new BigInteger[] {negative ? numerator.negate() : numerator, denominator};
    }

    /** The plain decimal when the reduced denominator has no prime factors but 2 and 5, else {@code p/q}. */
    static String canonical(BigInteger numerator, BigInteger denominator) {
        if (denominator.signum() < 0) {
            numerator = numerator.negate();
            denominator = denominator.negate();
        }
        BigInteger gcd = numerator.gcd(denominator);
        if (gcd.signum() != 0) {
            numerator = numerator.divide(gcd);
            denominator = denominator.divide(gcd);
        }
        BigInteger rest = denominator;
        BigInteger two = BigInteger.TWO, five = BigInteger.valueOf(5);
        while (rest.mod(two).signum() == 0) {
            rest = rest.divide(two);
        }
        while (rest.mod(five).signum() == 0) {
            rest = rest.divide(five);
        }
        if (!rest.equals(BigInteger.ONE)) {
            return numerator + "/" + denominator;
        }
        BigDecimal value = new BigDecimal(numerator).divide(new BigDecimal(denominator));
        String plain = value.stripTrailingZeros().toPlainString();
        return plain.equals("-0") ? "0" : plain;
    }
}

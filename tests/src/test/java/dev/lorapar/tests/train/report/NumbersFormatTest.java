package dev.lorapar.tests.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.report.NumbersFormat;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** NumbersFormat: exact strings at the unit boundaries, rounding into the next unit, locale independence. */
class NumbersFormatTest {

    @Test
    void countsAndRates() {
        assertEquals("0", NumbersFormat.count(0));
        assertEquals("0.500", NumbersFormat.count(0.5));
        assertEquals("9.50", NumbersFormat.count(9.5));
        assertEquals("10.0", NumbersFormat.count(9.996));
        assertEquals("950", NumbersFormat.count(950.4));
        assertEquals("1.00k", NumbersFormat.count(999.6)); // rounds up into k, not "1000"
        assertEquals("12.3k", NumbersFormat.count(12_345));
        assertEquals("123k", NumbersFormat.count(123_456));
        assertEquals("1.00M", NumbersFormat.count(999_999));
        assertEquals("4.20G", NumbersFormat.count(4.2e9));
        assertEquals("-12.3k", NumbersFormat.count(-12_345));
        assertEquals("5.00e-03", NumbersFormat.count(0.005));
        assertEquals("NaN", NumbersFormat.count(Double.NaN));
        assertEquals("Inf", NumbersFormat.count(Double.POSITIVE_INFINITY));
        assertEquals("16.6k tok/s", NumbersFormat.tokensPerSecond(16_599));
    }

    @Test
    void durations() {
        assertEquals("0:00:00", NumbersFormat.duration(0));
        assertEquals("0:00:07", NumbersFormat.duration(7.4));
        assertEquals("0:00:08", NumbersFormat.duration(7.5));
        assertEquals("0:01:00", NumbersFormat.duration(59.6));
        assertEquals("1:00:00", NumbersFormat.duration(3600));
        assertEquals("26:03:04", NumbersFormat.duration(93_784));
        assertEquals("168:00:00", NumbersFormat.duration(7 * 24 * 3600)); // a week stays in hours
        assertEquals(NumbersFormat.UNKNOWN_DURATION, NumbersFormat.duration(Double.NaN));
        assertEquals(NumbersFormat.UNKNOWN_DURATION, NumbersFormat.duration(-1));
        assertEquals(NumbersFormat.UNKNOWN_DURATION, NumbersFormat.duration(Double.POSITIVE_INFINITY));
        assertEquals("0:02:05", NumbersFormat.duration(Duration.ofMillis(125_400)));
        assertEquals(NumbersFormat.UNKNOWN_DURATION, NumbersFormat.duration((Duration) null));
    }

    @Test
    void bytes() {
        assertEquals("0 B", NumbersFormat.bytes(0));
        assertEquals("1023 B", NumbersFormat.bytes(1023));
        assertEquals("1.0 KiB", NumbersFormat.bytes(1024));
        assertEquals("1.5 KiB", NumbersFormat.bytes(1536));
        assertEquals("38.2 GiB", NumbersFormat.bytes(41_019_736_064L));
        assertEquals("1.0 GiB", NumbersFormat.bytes(1024L * 1024 * 1024 - 1)); // 1023.99… MiB reads as 1.0 GiB
        assertEquals("1023.9 MiB", NumbersFormat.bytes((long) (1023.9 * 1024 * 1024)));
        assertEquals("8.0 EiB", NumbersFormat.bytes(Long.MAX_VALUE));
        assertEquals("?", NumbersFormat.bytes(-1));
        assertEquals("38.2/139.7 GiB", NumbersFormat.bytesOf(41_019_736_064L, 150_000_000_000L));
        assertEquals("0.5/2.0 GiB", NumbersFormat.bytesOf(512L << 20, 2L << 30)); // the unit of the total
        assertEquals("512 B", NumbersFormat.bytesOf(512, -1));
        assertEquals("?", NumbersFormat.bytesOf(-1, 100));
    }

    @Test
    void lossLrPercent() {
        assertEquals("1.2346", NumbersFormat.loss(1.23456));
        assertEquals("0.0000", NumbersFormat.loss(0));
        assertEquals("1.23e+05", NumbersFormat.loss(123_456));
        assertEquals("NaN", NumbersFormat.loss(Double.NaN));
        assertEquals("-Inf", NumbersFormat.loss(Double.NEGATIVE_INFINITY));
        assertEquals("2.00e-04", NumbersFormat.scientific(2e-4));
        assertEquals("0", NumbersFormat.scientific(0));
        assertEquals("45.0%", NumbersFormat.percent(450, 1000));
        assertEquals("?%", NumbersFormat.percent(5, 0));
    }

    /** A locale with a decimal comma must not change any format. */
    @Test
    void independentOfDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals("12.3k", NumbersFormat.count(12_345));
            assertEquals("1.5 KiB", NumbersFormat.bytes(1536));
            assertEquals("1.2346", NumbersFormat.loss(1.23456));
            assertEquals("2.00e-04", NumbersFormat.scientific(2e-4));
        } finally {
            Locale.setDefault(saved);
        }
    }

    /** Random magnitudes: the printed count, read back with its suffix, is within rounding of the value. */
    @Test
    void randomCountsReadBack(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int i = 0; i < 2000; i++) {
            double v = Math.pow(10, -1.9 + 19.8 * rng.nextDouble());
            String s = NumbersFormat.count(v);
            char last = s.charAt(s.length() - 1);
            int unit = "kMGTPE".indexOf(last);
            double back = Double.parseDouble(unit >= 0 ? s.substring(0, s.length() - 1) : s) * Math.pow(1000, unit + 1);
            assertTrue(Math.abs(back - v) <= v * 0.0051, s + " for " + v + " " + rng.tag());
            String digits = unit >= 0 ? s.substring(0, s.length() - 1) : s;
            assertTrue(digits.replace(".", "").replaceFirst("^0+", "").length() <= 3 || digits.contains("e"),
                    "more than three significant digits: " + s + " " + rng.tag());
        }
    }
}

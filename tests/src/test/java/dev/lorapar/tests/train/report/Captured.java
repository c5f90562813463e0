package dev.lorapar.tests.train.report;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A PrintStream whose bytes the test reads back as UTF-8 text. */
final class Captured {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    String text() {
        stream.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }
}

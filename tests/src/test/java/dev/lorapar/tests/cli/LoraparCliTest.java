package dev.lorapar.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.cli.Lorapar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The {@code lorapar} dispatcher: help, unknown commands, and hand-over to a command with its own arguments. */
class LoraparCliTest {
    record Ran(int status, String out, String err) {
    }

    static Ran lorapar(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Lorapar.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Ran(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheCommands() {
        Ran r = lorapar("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("sft ") && r.out().contains("eval "), r.out());
        String sftLine = r.out().lines().filter(l -> l.strip().startsWith("sft ")).findFirst().orElseThrow();
        assertTrue(!sftLine.contains("not in this build"), sftLine);
        assertEquals(2, lorapar().status(), "no command at all is a usage error");
    }

    @Test
    void unknownCommandIsAUsageError() {
        Ran r = lorapar("trian");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown command 'trian'"), r.err());
    }

    @Test
    void argumentsReachTheCommand() {
        Ran help = lorapar("sft", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().startsWith("usage: lorapar sft"), help.out());
        Ran bad = lorapar("sft", "--no_such_setting", "1");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().startsWith("lorapar sft: "), bad.err());
    }
}

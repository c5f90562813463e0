package dev.lorapar.tests.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.cli.Lorapar;
import dev.lorapar.serve.ServeMain;
import dev.lorapar.tests.io.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** lorapar serve's command line: help, and arguments refused with status 2 and a message naming the problem. */
class ServeMainTest {
    static int run(StringBuilder printed, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int status = Lorapar.run(args, ps, ps);
        printed.append(bytes.toString(StandardCharsets.UTF_8));
        return status;
    }

    @Test
    void helpAndBadArguments() {
        StringBuilder out = new StringBuilder();
        assertEquals(0, run(out, "serve", "--help"));
        assertTrue(out.toString().contains("--model"), out.toString());
        String model = SharedData.require("llama2c-stories260K/stories260K.bin").toString();
        String[][] bad = {
                {"serve"},
                {"serve", "--bogus", "1"},
                {"serve", "--model"},
                {"serve", "--model", model, "--port", "x"},
                {"serve", "--model", model, "--port", "70000"},
                {"serve", "--model", model, "--host", "0.0.0.0"},
                {"serve", "--model", model, "--dtype", "f16"},
                {"serve", "--model", model, "--slots", "0"}};
        String[] expected = {"--model is required", "unknown option --bogus", "expected --key value",
                "--port must be an integer", "port must be in 0..65535", "needs an API key", "--dtype must be",
                "slots must be"};
        for (int i = 0; i < bad.length; i++) {
            StringBuilder err = new StringBuilder();
            assertEquals(2, run(err, bad[i]), String.join(" ", bad[i]) + ": " + err);
            assertTrue(err.toString().contains(expected[i]), String.join(" ", bad[i]) + ": " + err);
        }
        assertEquals(ServeMain.class.getName(), "dev.lorapar.serve.ServeMain");
    }
}

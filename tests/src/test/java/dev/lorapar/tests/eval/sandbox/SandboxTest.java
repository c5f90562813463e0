package dev.lorapar.tests.eval.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.sandbox.Limits;
import dev.lorapar.eval.sandbox.Outcome;
import dev.lorapar.eval.sandbox.ProcessGroups;
import dev.lorapar.eval.sandbox.Sandbox;
import dev.lorapar.eval.sandbox.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox contains what generated code may do: loop forever, fork without end, allocate without bound, write
 * outside its directory, open sockets, print without end, exit early. The OS boundary is tested with the Python guard
 * off (the guard would stop most of these first). Short limits keep the class at a few seconds.
 */
class SandboxTest {
    /** Guard off: the operating-system limits alone. */
    static final Limits OS_ONLY = Limits.defaults().withWallTime(Duration.ofSeconds(2)).withCpuTime(Duration.ofSeconds(2))
            .withMemoryBytes(256L << 20).withMaxProcesses(16).withMaxOutputBytes(16 << 10).withPythonGuard(false);

    static Sandbox sandbox;

    @BeforeAll
    static void detect() {
        sandbox = Sandbox.shared();
        System.out.println("sandbox isolation: " + sandbox.isolation().describe());
        Assumptions.assumeTrue(sandbox.run("pass", OS_ONLY).passed(), "no working sandbox: " + sandbox.isolation().describe());
    }

    @Test
    void passingAndFailingPrograms() {
        Outcome ok = sandbox.run("x = 6 * 7\nprint(x)\nassert x == 42", OS_ONLY);
        assertEquals(Status.PASSED, ok.status(), ok::toString);
        assertEquals("42\n", ok.stdout());
        assertEquals(0, ok.exitCode());

        Outcome bad = sandbox.run("assert 6 * 7 == 43, 'wrong product'", OS_ONLY);
        assertEquals(Status.FAILED, bad.status(), bad::toString);
        assertNotEquals(0, bad.exitCode());
        assertTrue(bad.stderr().contains("AssertionError: wrong product"), bad.stderr());

        Outcome syntax = sandbox.run("def f(:\n  pass", OS_ONLY);
        assertEquals(Status.FAILED, syntax.status(), syntax::toString);
        assertTrue(syntax.stderr().contains("SyntaxError"), syntax.stderr());
    }

    @Test
    void exitingEarlyWithCodeZeroIsNotAPass() {
        for (String early : List.of("import sys\nsys.exit(0)\nassert False", "import os\nos._exit(0)\nassert False")) {
            Outcome o = sandbox.run(early, OS_ONLY);
            assertEquals(Status.FAILED, o.status(), o::toString);
            assertEquals(0, o.exitCode());
        }
        // nor can the program read the end-of-program token from its own source file
        Outcome o = sandbox.run("import os\nprint(os.path.exists(__file__))", OS_ONLY);
        assertEquals("False\n", o.stdout(), o::toString);
    }

    @Test
    void stdinIsClosedAndTheEnvironmentIsClean() {
        Outcome o = sandbox.run("""
                import os, sys
                assert sys.stdin.read() == ''
                print(sorted(k for k in os.environ if k not in ('LC_CTYPE',)))
                print(os.environ['HOME'] == os.getcwd() == os.environ['TMPDIR'])
                import tempfile
                print(os.path.dirname(tempfile.mkdtemp()) == os.getcwd())
                """, OS_ONLY);
        assertEquals(Status.PASSED, o.status(), o::toString);
        assertEquals("['HOME', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR']\nTrue\nTrue\n", o.stdout());
    }

    @Test
    void anEndlessLoopTimesOutWithinTheLimit() {
        Limits limits = OS_ONLY.withWallTime(Duration.ofMillis(800)).withCpuTime(Duration.ofSeconds(5));
        long t0 = System.nanoTime();
        Outcome o = sandbox.run("while True:\n    pass", limits);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Status.TIMEOUT, o.status(), o::toString);
        assertTrue(ms < 2500, "took " + ms + " ms");
        assertTrue(ProcessGroups.members(o.processGroup()).isEmpty(), "leftover processes");
    }

    @Test
    void cpuTimeLimitStopsABusyLoopBeforeTheWallClock() {
        Limits limits = OS_ONLY.withWallTime(Duration.ofSeconds(5)).withCpuTime(Duration.ofSeconds(1));
        Outcome o = sandbox.run("while True:\n    pass", limits);
        assertEquals(Status.TIMEOUT, o.status(), o::toString);
        assertTrue(o.detail().contains("CPU"), o.detail());
        assertTrue(o.wallTime().toMillis() < 4000, o.wallTime()::toString);
    }

    @Test
    void aForkBombIsContainedAndLeavesNoProcesses() {
        Limits limits = OS_ONLY.withMaxProcesses(8).withWallTime(Duration.ofSeconds(2));
        Outcome o = sandbox.run("import os\nwhile True:\n    os.fork()", limits);
        assertFalse(o.passed(), o::toString);
        assertTrue(o.wallTime().toMillis() < 4000, o.wallTime()::toString);
        assertTrue(ProcessGroups.members(o.processGroup()).isEmpty(), "leftover processes of group " + o.processGroup());
        // the machine still starts processes: a normal run right after passes
        assertEquals(Status.PASSED, sandbox.run("print(1)", OS_ONLY).status());
    }

    @Test
    void backgroundChildrenDieWithTheRun() throws Exception {
        Outcome o = sandbox.run("""
                import os, time
                if os.fork() == 0:
                    os.setsid()
                    time.sleep(30)
                print(os.getpid())
                """, OS_ONLY);
        assertEquals(Status.PASSED, o.status(), o::toString);
        assertTrue(ProcessGroups.members(o.processGroup()).isEmpty(), "leftover processes");
        if (sandbox.isolation().pidNamespace()) {
            // the child left the process group with setsid; the PID namespace still took it down: no sleeping
            // python of the sandbox user remains (pids inside the namespace differ, so look for the command line)
            Thread.sleep(100);
            assertTrue(ProcessHandle.allProcesses().noneMatch(h -> h.info().commandLine().orElse("").contains(
                    "main.py") && h.info().startInstant().map(s -> s.isAfter(java.time.Instant.now().minusSeconds(5))).orElse(false)
                    && h.isAlive()), "a background child survived");
        }
    }

    @Test
    void unboundedAllocationFailsWithMemory() {
        // the memory limit must end it, not the clock: generous time limits (a loaded CI machine starts python slowly)
        Limits limits = OS_ONLY.withWallTime(Duration.ofSeconds(20)).withCpuTime(Duration.ofSeconds(20));
        Outcome o = sandbox.run("x = []\nwhile True:\n    x.append(bytearray(1 << 24))", limits);
        assertEquals(Status.MEMORY, o.status(), o::toString);
        Outcome big = sandbox.run("x = bytearray(1 << 30)", limits);
        assertEquals(Status.MEMORY, big.status(), big::toString);
    }

    @Test
    void hugeOutputIsCappedAndKilled() {
        Limits limits = OS_ONLY.withMaxOutputBytes(4096);
        Outcome o = sandbox.run("while True:\n    print('y' * 1000)", limits);
        assertEquals(Status.OUTPUT_LIMIT, o.status(), o::toString);
        assertEquals(4096, o.stdout().length());
        assertTrue(o.outputTruncated());
        Outcome e = sandbox.run("import sys\nsys.stderr.write('z' * 100000)", limits);
        assertEquals(Status.OUTPUT_LIMIT, e.status(), e::toString);
        assertEquals(4096, e.stderr().length());
    }

    @Test
    void aHugeFileHitsTheFileSizeLimit() {
        Limits limits = OS_ONLY.withMaxFileBytes(64 << 10);
        Outcome o = sandbox.run("with open('big', 'wb') as f:\n    f.write(b'0' * (1 << 20))", limits);
        assertFalse(o.passed(), o::toString);
        assertEquals(Status.OUTPUT_LIMIT, o.status(), o::toString);
    }

    @Test
    void theRunDirectoryIsDeletedAfterwardsEvenAfterATimeout() {
        String where = "import os\nprint(os.getcwd(), flush=True)\n";
        Outcome ok = sandbox.run(where + "os.makedirs('a/b')\nopen('a/b/f', 'w').write('x')\nos.chmod('a', 0)", OS_ONLY);
        assertEquals(Status.PASSED, ok.status(), ok::toString);
        Path dir = Path.of(ok.stdout().strip());
        assertTrue(dir.getFileName().toString().startsWith("lorapar-sbx-"), dir::toString);
        assertFalse(Files.exists(dir), dir + " still exists");

        Outcome slow = sandbox.run(where + "open('f', 'w').write('x')\nwhile True:\n    pass", OS_ONLY.withWallTime(Duration.ofMillis(600)));
        assertEquals(Status.TIMEOUT, slow.status(), slow::toString);
        Path slowDir = Path.of(slow.stdout().strip());
        assertFalse(Files.exists(slowDir), slowDir + " still exists");
    }

    @Test
    void writingOutsideItsDirectoryDoesNotChangeFiles(@TempDir Path outside) throws IOException {
        Path victim = outside.resolve("victim.txt");
        Files.writeString(victim, "original");
        Files.setPosixFilePermissions(outside, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(victim, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        Path repoFile = repositoryFile();
        byte[] repoBefore = Files.readAllBytes(repoFile);
        String program = """
                import os
                refused = 0
                for path in (%s, %s, %s):
                    try:
                        with open(path, 'w') as f:
                            f.write('overwritten by the sandbox')
                    except OSError as e:
                        refused += 1
                        print('refused', path, e.errno)
                print('refused', refused)
                """.formatted(py(victim), py(repoFile), py(outside.resolve("new.txt")));
        Outcome o = sandbox.run(program, OS_ONLY);
        assertEquals(Status.PASSED, o.status(), o::toString);
        assertTrue(o.stdout().contains("refused"), o.stdout());
        assertTrue(java.util.Arrays.equals(repoBefore, Files.readAllBytes(repoFile)), repoFile + " changed");
        if (sandbox.isolation().filesystemReadOnly()) {
            // even a world-writable file and folder outside its directory are read-only for it
            assertEquals("original", Files.readString(victim));
            assertFalse(Files.exists(outside.resolve("new.txt")));
            assertTrue(o.stdout().contains("refused 3"), o.stdout());
        }
    }

    @Test
    void aSocketToLoopbackFailsWhenTheNetworkIsIsolated() {
        Assumptions.assumeTrue(sandbox.isolation().networkIsolated(), "network not isolated here: " + sandbox.isolation().describe());
        Outcome o = sandbox.run("""
                import socket
                s = socket.socket()
                s.settimeout(1)
                s.connect(('127.0.0.1', 22))
                """, OS_ONLY);
        assertEquals(Status.FAILED, o.status(), o::toString);
        assertTrue(o.stderr().contains("OSError") || o.stderr().contains("Error"), o.stderr());
        Outcome dns = sandbox.run("import socket\nsocket.create_connection(('example.com', 80), timeout=1)", OS_ONLY);
        assertEquals(Status.FAILED, dns.status(), dns::toString);
    }

    @Test
    void theGuardRefusesDangerousCallsAndKeepsLimits() {
        Limits guarded = OS_ONLY.withPythonGuard(true);
        for (String call : List.of("import os\nos.system('true')", "import subprocess", "import os\nos.fork()",
                "import os\nos.kill(1, 9)", "import shutil\nshutil.rmtree('.')", "import ctypes")) {
            Outcome o = sandbox.run(call, guarded);
            assertEquals(Status.FAILED, o.status(), call + " -> " + o);
        }
        Outcome ok = sandbox.run("import math, re, collections, itertools, heapq, functools\nassert math.gcd(12, 18) == 6", guarded);
        assertEquals(Status.PASSED, ok.status(), ok::toString);
    }

    @Test
    void isolationIsReported() {
        String text = sandbox.isolation().describe();
        assertTrue(text.contains(sandbox.isolation().networkIsolated() ? "network isolated" : "network not isolated"), text);
        Matcher m = Pattern.compile("python (\\S+)").matcher(text);
        assertTrue(m.find(), text);
        assertEquals(text, sandbox.run("pass", OS_ONLY).isolation().describe());
    }

    static String py(Path p) {
        return "'" + p.toAbsolutePath().toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** A file of lorapar's own checkout (the module's pom). */
    static Path repositoryFile() {
        Path pom = Path.of("pom.xml").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(pom), "no pom.xml in " + Path.of("").toAbsolutePath());
        return pom;
    }
}

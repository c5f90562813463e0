package dev.lorapar.eval.sandbox;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs untrusted Python programs (generated code, HumanEval completions) in a separate {@code python3} process:
 * a fresh temporary directory (deleted afterwards, also after a timeout), stdin from /dev/null, a clean environment
 * (HOME and TMPDIR inside the directory), CPU, address-space, process and file-size limits, output capped, the process
 * group (and PID namespace, where available) killed on timeout, no network and a read-only filesystem outside the
 * directory where the OS allows it. {@link #isolation()} says what this machine allows; it is detected once.
 *
 * <pre>{@code
 * Outcome o = Sandbox.shared().run("assert 1 + 1 == 2", Limits.defaults());
 * o.passed();   // true
 * }</pre>
 */
public final class Sandbox {
    /** System property naming the Python interpreter to use (tried first). */
    public static final String PYTHON_PROPERTY = "lorapar.sandbox.python";
    /** System property naming the folder for the run directories (default: java.io.tmpdir). */
    public static final String TMP_PROPERTY = "lorapar.sandbox.tmp";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final LaunchMode mode;
    private final Isolation isolation;
    private final Path base;

    Sandbox(LaunchMode mode, Isolation isolation, Path base) {
        this.mode = mode;
        this.isolation = isolation;
        this.base = base;
    }

    private static final class Holder {
        static final Sandbox SHARED = SandboxDetector.detect();
    }

    /** The sandbox of this JVM, detected on first use (a few probe runs, well under a second). */
    public static Sandbox shared() {
        return Holder.SHARED;
    }

    /** What the runs of this sandbox are isolated from. */
    public Isolation isolation() {
        return isolation;
    }

    /**
     * Runs {@code pythonProgram} under {@code limits}. Never throws for anything the program does; a failure of the
     * sandbox itself comes back as {@link Status#SANDBOX_ERROR} with the reason.
     */
    public Outcome run(String pythonProgram, Limits limits) {
        if (pythonProgram == null) throw new IllegalArgumentException("pythonProgram is null");
        if (limits == null) throw new IllegalArgumentException("limits is null");
        if (mode == null) {
            return new Outcome(Status.SANDBOX_ERROR, -1, "", "", false, Duration.ZERO,
                    "no working sandbox: " + String.join("; ", isolation.notes()), -1, isolation);
        }
        Path dir;
        try {
            Files.createDirectories(base);
            dir = Files.createTempDirectory(base, "lorapar-sbx-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))).toRealPath();
        } catch (IOException e) {
            return new Outcome(Status.SANDBOX_ERROR, -1, "", "", false, Duration.ZERO,
                    "cannot create a run directory in " + base + ": " + e.getMessage(), -1, isolation);
        }
        try {
            return runIn(dir, pythonProgram, limits);
        } finally {
            RunDirectory.delete(dir);
        }
    }

    private Outcome runIn(Path dir, String program, Limits limits) {
        String token = HexFormat.of().formatHex(randomBytes());
        long started = System.nanoTime();
        try {
            Files.writeString(dir.resolve(PythonProgram.FILE_NAME), PythonProgram.assemble(program, limits, dir, token),
                    StandardCharsets.UTF_8);
            if (mode.separateUser()) RunDirectory.giveTo(dir, mode.dropToUid());
        } catch (IOException | RuntimeException e) {
            return new Outcome(Status.SANDBOX_ERROR, -1, "", "", false, Duration.ZERO,
                    "cannot prepare " + dir + ": " + e.getMessage(), -1, isolation);
        }
        ProcessBuilder pb = new ProcessBuilder(mode.command(dir, limits));
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        env.put("HOME", dir.toString());
        env.put("TMPDIR", dir.toString());
        env.put("LANG", "C.UTF-8");
        env.put("LC_ALL", "C.UTF-8");
        pb.directory(dir.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            return new Outcome(Status.SANDBOX_ERROR, -1, "", "", false, Duration.ZERO,
                    "cannot start " + mode.describe() + ": " + e.getMessage(), -1, isolation);
        }
        long pgid = process.pid();
        AtomicBoolean killedBySandbox = new AtomicBoolean();
        Runnable kill = () -> {
            killedBySandbox.set(true);
            killAll(process, pgid);
        };
        BoundedCapture out = new BoundedCapture(process.getInputStream(), limits.maxOutputBytes(), kill, "sandbox-stdout-" + pgid);
        BoundedCapture err = new BoundedCapture(process.getErrorStream(), limits.maxOutputBytes(), kill, "sandbox-stderr-" + pgid);
        boolean timedOut = false;
        try {
            if (!process.waitFor(limits.wallTime().toNanos(), TimeUnit.NANOSECONDS)) {
                timedOut = !killedBySandbox.get();
                kill.run();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killAll(process, pgid);
            return new Outcome(Status.SANDBOX_ERROR, -1, out.text(), err.text(), false, elapsed(started),
                    "interrupted", pgid, isolation);
        }
        Duration wall = elapsed(started);
        // Whatever is left of the group (background children in the plain mode) goes too.
        ProcessGroups.kill(pgid, 50);
        try {
            out.await(2000);
            err.await(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int exit = process.isAlive() ? -1 : process.exitValue();
        boolean finished = token.equals(readDone(dir));
        String stdout = out.text(), stderr = err.text();
        boolean truncated = out.overflowed() || err.overflowed();
        return Classifier.classify(exit, timedOut, truncated, finished, stdout, stderr, wall, limits, pgid, isolation);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String readDone(Path dir) {
        try {
            return Files.readString(dir.resolve(PythonProgram.DONE_FILE), StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    private static Duration elapsed(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /**
     * SIGKILL to the descendants (snapshot first), the process group members, and the session leader; with a PID
     * namespace, the leader's death kills the namespace's init and with it everything inside.
     */
    private static void killAll(Process process, long pgid) {
        List<ProcessHandle> descendants = process.descendants().toList();
        ProcessGroups.kill(pgid, 50);
        for (ProcessHandle h : descendants) h.destroyForcibly();
        process.destroyForcibly();
    }
}

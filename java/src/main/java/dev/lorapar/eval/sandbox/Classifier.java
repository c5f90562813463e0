package dev.lorapar.eval.sandbox;

import java.time.Duration;

/** Turns how the child ended into a {@link Status} and a reason. */
final class Classifier {
    static final int SIGKILL = 9, SIGXCPU = 24, SIGXFSZ = 25;
    /** The wrapper's exit code when the sandbox could not set up the run. */
    static final int SETUP_FAILED = 125;

    private Classifier() {
    }

    static Outcome classify(int exit, boolean timedOut, boolean outputCapped, boolean finished, String stdout,
                            String stderr, Duration wall, Limits limits, long pgid, Isolation isolation) {
        Status status;
        String detail;
        if (exit == SETUP_FAILED && stderr.contains("lorapar-sandbox:")) {
            status = Status.SANDBOX_ERROR;
            detail = "sandbox set-up failed: " + stderr.strip();
        } else if (timedOut) {
            status = Status.TIMEOUT;
            detail = "wall-clock limit " + limits.wallTime().toMillis() + " ms: process group killed";
        } else if (outputCapped) {
            status = Status.OUTPUT_LIMIT;
            detail = "output over " + limits.maxOutputBytes() + " bytes on a stream: killed";
        } else if (exit == 128 + SIGXCPU) {
            status = Status.TIMEOUT;
            detail = "CPU-time limit " + limits.cpuSeconds() + " s (SIGXCPU)";
        } else if (exit == 128 + SIGXFSZ || stderr.contains("[Errno 27] File too large")) {
            status = Status.OUTPUT_LIMIT;
            detail = "file-size limit " + limits.maxFileBytes() + " bytes (EFBIG / SIGXFSZ)";
        } else if (raisedMemoryError(stderr)) {
            status = Status.MEMORY;
            detail = "MemoryError under the " + limits.memoryBytes() + "-byte address-space limit";
        } else if (exit > 128 && exit < 128 + 65) {
            status = Status.CRASHED;
            detail = "killed by signal " + (exit - 128) + (exit == 128 + SIGKILL ? " (not sent by the sandbox)" : "");
        } else if (exit == 0 && finished) {
            status = Status.PASSED;
            detail = "";
        } else if (exit == 0) {
            status = Status.FAILED;
            detail = "exited with code 0 before the end of the program (sys.exit / os._exit)";
        } else if (exit < 0) {
            status = Status.CRASHED;
            detail = "the process did not end after SIGKILL";
        } else {
            status = Status.FAILED;
            detail = "exit code " + exit + lastLine(stderr);
        }
        return new Outcome(status, exit, stdout, stderr, outputCapped, wall, detail, pgid, isolation);
    }

    private static boolean raisedMemoryError(String stderr) {
        for (String line : stderr.split("\n")) {
            if (line.startsWith("MemoryError")) return true;
        }
        return false;
    }

    private static String lastLine(String stderr) {
        String s = stderr.strip();
        if (s.isEmpty()) return "";
        int nl = s.lastIndexOf('\n');
        return ": " + s.substring(nl + 1);
    }
}

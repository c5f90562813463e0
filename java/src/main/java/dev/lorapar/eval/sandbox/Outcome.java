package dev.lorapar.eval.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * The result of one sandboxed run.
 *
 * @param status          how it ended
 * @param exitCode        the wrapper's exit code (128 + n when the program died of signal n), -1 when killed by the sandbox
 * @param stdout          captured standard output (UTF-8, at most {@link Limits#maxOutputBytes()} bytes)
 * @param stderr          captured standard error (same cap)
 * @param outputTruncated a stream reached its cap
 * @param wallTime        from start to the end of the process
 * @param detail          why, in words (empty for PASSED)
 * @param processGroup    the run's process group id (its session leader's pid)
 * @param isolation       what isolation the run had
 */
public record Outcome(Status status, int exitCode, String stdout, String stderr, boolean outputTruncated,
                      Duration wallTime, String detail, long processGroup, Isolation isolation) {
    public Outcome {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Objects.requireNonNull(wallTime, "wallTime");
        Objects.requireNonNull(detail, "detail");
    }

    public boolean passed() {
        return status == Status.PASSED;
    }
}

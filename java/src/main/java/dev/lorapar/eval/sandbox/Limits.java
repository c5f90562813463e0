package dev.lorapar.eval.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * What one sandboxed run may use. The operating system enforces every limit ({@code ulimit} in the wrapper shell:
 * CPU seconds, address space, processes, file size); {@code pythonGuard} additionally prepends a Python preamble that
 * sets the same limits through {@code resource.setrlimit} and disables dangerous functions (a convenience layer, not
 * the boundary).
 *
 * @param wallTime       killed (the whole process group and PID namespace) when it runs longer
 * @param cpuTime        CPU seconds per process (rounded up to whole seconds, at least 1): SIGXCPU past it
 * @param memoryBytes    address-space limit per process (RLIMIT_AS); Python raises MemoryError past it
 * @param maxProcesses   processes and threads of the sandbox user (RLIMIT_NPROC), the Python process included
 * @param maxOutputBytes captured bytes per stream (stdout, stderr); a program writing more is killed: OUTPUT_LIMIT
 * @param maxFileBytes   size of any one file the program writes (RLIMIT_FSIZE)
 * @param pythonGuard    prepend the Python guard preamble
 */
public record Limits(Duration wallTime, Duration cpuTime, long memoryBytes, int maxProcesses, int maxOutputBytes,
                     long maxFileBytes, boolean pythonGuard) {
    public Limits {
        Objects.requireNonNull(wallTime, "wallTime");
        Objects.requireNonNull(cpuTime, "cpuTime");
        if (wallTime.isNegative() || wallTime.isZero()) throw new IllegalArgumentException("wallTime " + wallTime + " must be > 0");
        if (cpuTime.isNegative() || cpuTime.isZero()) throw new IllegalArgumentException("cpuTime " + cpuTime + " must be > 0");
        if (memoryBytes < 32L << 20) throw new IllegalArgumentException("memoryBytes " + memoryBytes + " < 32 MiB (Python cannot start)");
        if (maxProcesses < 1) throw new IllegalArgumentException("maxProcesses " + maxProcesses + " < 1");
        if (maxOutputBytes < 1) throw new IllegalArgumentException("maxOutputBytes " + maxOutputBytes + " < 1");
        if (maxFileBytes < 1024) throw new IllegalArgumentException("maxFileBytes " + maxFileBytes + " < 1024");
    }

    /** 10 s wall, 10 s CPU, 1 GiB, 32 processes, 64 KiB per stream, 16 MiB files, guard on. */
    public static Limits defaults() {
        return new Limits(Duration.ofSeconds(10), Duration.ofSeconds(10), 1L << 30, 32, 64 << 10, 16L << 20, true);
    }

    public Limits withWallTime(Duration d) {
        return new Limits(d, cpuTime, memoryBytes, maxProcesses, maxOutputBytes, maxFileBytes, pythonGuard);
    }

    public Limits withCpuTime(Duration d) {
        return new Limits(wallTime, d, memoryBytes, maxProcesses, maxOutputBytes, maxFileBytes, pythonGuard);
    }

    public Limits withMemoryBytes(long bytes) {
        return new Limits(wallTime, cpuTime, bytes, maxProcesses, maxOutputBytes, maxFileBytes, pythonGuard);
    }

    public Limits withMaxProcesses(int n) {
        return new Limits(wallTime, cpuTime, memoryBytes, n, maxOutputBytes, maxFileBytes, pythonGuard);
    }

    public Limits withMaxOutputBytes(int n) {
        return new Limits(wallTime, cpuTime, memoryBytes, maxProcesses, n, maxFileBytes, pythonGuard);
    }

    public Limits withMaxFileBytes(long n) {
        return new Limits(wallTime, cpuTime, memoryBytes, maxProcesses, maxOutputBytes, n, pythonGuard);
    }

    public Limits withPythonGuard(boolean on) {
        return new Limits(wallTime, cpuTime, memoryBytes, maxProcesses, maxOutputBytes, maxFileBytes, on);
    }

    /** CPU limit in whole seconds, rounded up, at least 1. */
    long cpuSeconds() {
        long ms = cpuTime.toMillis();
        return Math.max(1, (ms + 999) / 1000);
    }
}

package dev.lorapar.eval.sandbox;

/** How a sandboxed run ended. Only {@link #PASSED} counts as a pass. */
public enum Status {
    /** Exit code 0 and the program ran to its last line. */
    PASSED,
    /** Non-zero exit (an assertion, an exception, a syntax error) or exited early with code 0 (sys.exit). */
    FAILED,
    /** Wall-clock limit (killed) or CPU-time limit (SIGXCPU). */
    TIMEOUT,
    /** MemoryError under the address-space limit. */
    MEMORY,
    /** More output than the cap on a stream, or a file over the file-size limit (SIGXFSZ). */
    OUTPUT_LIMIT,
    /** Killed by a signal the sandbox did not send (SIGSEGV, SIGABRT, ...). */
    CRASHED,
    /** The sandbox itself could not start or set up the run (detail says why). */
    SANDBOX_ERROR
}

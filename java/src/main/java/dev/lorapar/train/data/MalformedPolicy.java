package dev.lorapar.train.data;

/** What to do with a malformed record. Either way it is counted and reported, never silently dropped. */
public enum MalformedPolicy {
    /** Count and report it (with its line), then continue with the next record. */
    SKIP,
    /** Throw a {@link DataFormatException} at the first one, naming {@code file:line} and the reason. */
    FAIL
}

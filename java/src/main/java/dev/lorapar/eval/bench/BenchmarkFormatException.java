package dev.lorapar.eval.bench;

/** A benchmark file that cannot be used; the message starts with the {@link ItemSource} of the bad record. */
public final class BenchmarkFormatException extends IllegalArgumentException {
    private final transient ItemSource source;

    public BenchmarkFormatException(ItemSource source, String message) {
        super(source + ": " + message);
        this.source = source;
    }

    /** Where the problem is. */
    public ItemSource source() {
        return source;
    }
}

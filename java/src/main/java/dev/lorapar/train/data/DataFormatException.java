package dev.lorapar.train.data;

/**
 * A data file that cannot be used: a malformed record under {@link MalformedPolicy#FAIL}, an example that the
 * prompt format cannot encode under FAIL, or a file whose structure is broken (a JSON syntax error inside a JSON
 * document, no array of records). The message names {@code file:line}.
 */
public final class DataFormatException extends IllegalArgumentException {
    private final SourceLine source;

    public DataFormatException(SourceLine source, String message) {
        super(source + ": " + message);
        this.source = source;
    }

    /** Where the problem is. */
    public SourceLine source() {
        return source;
    }
}

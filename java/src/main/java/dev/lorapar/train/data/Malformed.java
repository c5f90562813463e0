package dev.lorapar.train.data;

import java.util.Objects;

/** A record that was not read: where it is, why, and the details (which field, what was found). */
public record Malformed(SourceLine source, MalformedReason reason, String detail) {
    public Malformed {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    /** {@code file:line: REASON: detail}. */
    @Override
    public String toString() {
        return source + ": " + reason + ": " + detail;
    }
}

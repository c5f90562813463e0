package dev.lorapar.train.data;

import java.util.Objects;

/** An example that gave no sample: where it came from, why, and the details. */
public record Dropped(SourceLine source, DropReason reason, String detail) {
    public Dropped {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return source + ": " + reason + ": " + detail;
    }
}

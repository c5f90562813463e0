package dev.lorapar.train.data;

/** Thrown by {@link RecordParser} for a record that cannot become an example; the reader adds the location. */
final class MalformedRecordException extends Exception {
    private final MalformedReason reason;

    MalformedRecordException(MalformedReason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    MalformedReason reason() {
        return reason;
    }
}

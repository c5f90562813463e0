package dev.lorapar.train.data;

/** Why a record of a data file could not become an {@link Example}. */
public enum MalformedReason {
    /** The line (JSONL) is not valid JSON, or not valid UTF-8. */
    INVALID_JSON,
    /** The record is valid JSON but not an object. */
    NOT_AN_OBJECT,
    /** The record has none of the fields that identify a known shape. */
    UNKNOWN_SHAPE,
    /** A field that the shape needs is absent (or null). */
    MISSING_FIELD,
    /** A field has the wrong JSON type (e.g. a number where text is expected). */
    WRONG_TYPE,
    /** The prompt text is empty or only whitespace. */
    EMPTY_PROMPT,
    /** The answer text is empty or only whitespace. */
    EMPTY_ANSWER,
    /** Chat messages out of order: unknown role, system not first, roles not alternating, no final answer. */
    BAD_DIALOG
}

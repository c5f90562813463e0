package dev.lorapar.train.data;

import java.util.Objects;

/**
 * How {@link DataReader} reads files.
 *
 * @param shape         the record shape ({@link RecordShape#AUTO}: per record)
 * @param promptField   the prompt's field for {@link RecordShape#FIELDS} (else null)
 * @param answerField   the answer's field for {@link RecordShape#FIELDS} (else null)
 * @param layout        how records are laid out in the file ({@link Layout#AUTO}: detected)
 * @param recordsField  for a JSON file holding one object: the field with the array of records (null: the first
 *                      field whose value is an array of objects)
 * @param policy        skip-and-report or fail on a malformed record
 * @param maxReported   how many malformed records are kept with their details (all are counted)
 */
public record ReadOptions(RecordShape shape, String promptField, String answerField, Layout layout,
                          String recordsField, MalformedPolicy policy, int maxReported) {
    /** The file layouts. Files ending in {@code .gz} are decompressed first. */
    public enum Layout {
        /**
         * {@code .jsonl} / {@code .ndjson}: JSONL. Otherwise by content: an opening bracket first → a JSON array; an
         * opening brace first → JSONL when the first line is a whole JSON object and either more lines follow or it
         * holds no array of objects (other than chat messages); else one JSON object holding the array. Anything
         * else → JSONL (whose lines are then reported as malformed).
         */
        AUTO,
        /** One JSON value per line; blank lines are counted and passed over. */
        JSONL,
        /** One JSON document: an array of records, or an object with a field holding that array. */
        JSON
    }

    public ReadOptions {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(policy, "policy");
        if ((shape == RecordShape.FIELDS) != (promptField != null && answerField != null)) {
            throw new IllegalArgumentException("RecordShape.FIELDS goes with a prompt and an answer field name, and "
                    + "only it (shape " + shape + ", fields " + promptField + ", " + answerField + ")");
        }
        if (maxReported < 0) {
            throw new IllegalArgumentException("maxReported " + maxReported + " < 0");
        }
    }

    /** Auto-detected shape and layout, malformed records skipped and reported (the first 1000 in detail). */
    public static ReadOptions defaults() {
        return new ReadOptions(RecordShape.AUTO, null, null, Layout.AUTO, null, MalformedPolicy.SKIP, 1000);
    }

    /** Every record must have {@code shape} ({@link RecordShape#FIELDS}: use {@link #withFields}). */
    public ReadOptions withShape(RecordShape shape) {
        return new ReadOptions(shape, null, null, layout, recordsField, policy, maxReported);
    }

    /** Every record has the prompt in {@code promptField} and the answer in {@code answerField} (strings). */
    public ReadOptions withFields(String promptField, String answerField) {
        return new ReadOptions(RecordShape.FIELDS, Objects.requireNonNull(promptField, "promptField"),
                Objects.requireNonNull(answerField, "answerField"), layout, recordsField, policy, maxReported);
    }

    public ReadOptions withLayout(Layout layout) {
        return new ReadOptions(shape, promptField, answerField, layout, recordsField, policy, maxReported);
    }

    public ReadOptions withRecordsField(String recordsField) {
        return new ReadOptions(shape, promptField, answerField, layout, recordsField, policy, maxReported);
    }

    public ReadOptions withPolicy(MalformedPolicy policy) {
        return new ReadOptions(shape, promptField, answerField, layout, recordsField, policy, maxReported);
    }

    public ReadOptions withMaxReported(int maxReported) {
        return new ReadOptions(shape, promptField, answerField, layout, recordsField, policy, maxReported);
    }
}

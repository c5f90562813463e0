package dev.lorapar.pipeline.classify;

import dev.lorapar.pipeline.stage.StageKey;

/**
 * One (question, answer) pair to label: its position in the data, where it came from, and an id = the first 16 hex
 * digits of SHA-256(question + NUL + answer), so the journal recognises an item even when the file is reordered.
 */
public record Item(int index, String source, String question, String answer, String id) {
    public static Item of(int index, String source, String question, String answer) {
        return new Item(index, source, question, answer, StageKey.sha256Hex(question + "\0" + answer).substring(0, 16));
    }
}

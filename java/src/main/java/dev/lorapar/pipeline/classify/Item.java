package dev.lorapar.pipeline.classify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One (question, answer) pair to label: its position in the data, where it came from, and an id = the first 16 hex
 * digits of SHA-256(question + NUL + answer), so the journal recognises an item even when the file is reordered.
 */
public record Item(int index, String source, String question, String answer, String id) {
    public static Item of(int index, String source, String question, String answer) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(question.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(answer.getBytes(StandardCharsets.UTF_8));
            return new Item(index, source, question, answer, HexFormat.of().formatHex(md.digest()).substring(0, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

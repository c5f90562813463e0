package dev.lorapar.tokenizer;

import java.util.Objects;

/**
 * One exchange of a dialog: the user's message and the assistant's reply.
 *
 * @param user      the user's message
 * @param assistant the reply, or null for the last turn of a generation prompt
 */
public record ChatTurn(String user, String assistant) {
    /** Checks that {@code user} is present. */
    public ChatTurn {
        Objects.requireNonNull(user, "user");
    }
}

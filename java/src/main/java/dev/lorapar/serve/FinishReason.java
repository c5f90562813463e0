package dev.lorapar.serve;

/** Why a generation ended (OpenAI's finish_reason where there is one). */
public enum FinishReason {
    /** A stop token (EOS) or stop string: OpenAI "stop". */
    STOP,
    /** max_tokens or the engine's maxLength: OpenAI "length". */
    LENGTH,
    /** Cancelled by the caller, a disconnect or shutdown. */
    CANCELLED,
    /** The engine failed on it (the exception is in {@link Completion#error()}). */
    ERROR;

    /** The OpenAI finish_reason string. */
    public String openAi() {
        return switch (this) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
            case ERROR -> "error";
        };
    }
}

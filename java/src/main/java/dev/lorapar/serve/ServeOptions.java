package dev.lorapar.serve;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * How {@code lorapar serve} listens and what it accepts.
 *
 * @param host              bind address (127.0.0.1 unless told otherwise)
 * @param port              TCP port (0 = any free port)
 * @param apiKey            bearer token required on /v1/* (null = none; required for a non-loopback host)
 * @param maxBodyBytes      largest request body accepted (413 beyond)
 * @param maxPromptTokens   longest prompt accepted in tokens (400 beyond)
 * @param maxTokensLimit    largest max_tokens accepted (400 beyond)
 * @param maxChoices        largest n accepted
 * @param corsOrigin        Access-Control-Allow-Origin to send (null = CORS off)
 * @param shutdownGraceMillis how long a shutdown lets in-flight requests finish before cancelling them
 */
public record ServeOptions(String host, int port, String apiKey, int maxBodyBytes, int maxPromptTokens,
                           int maxTokensLimit, int maxChoices, String corsOrigin, long shutdownGraceMillis) {
    public ServeOptions {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must be given");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        if (maxBodyBytes < 1) throw new IllegalArgumentException("maxBodyBytes must be ≥ 1, got " + maxBodyBytes);
        if (maxPromptTokens < 1) throw new IllegalArgumentException("maxPromptTokens must be ≥ 1");
        if (maxTokensLimit < 1) throw new IllegalArgumentException("maxTokensLimit must be ≥ 1");
        if (maxChoices < 1) throw new IllegalArgumentException("maxChoices must be ≥ 1");
        if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("apiKey must not be blank");
        if (apiKey == null && !isLoopback(host)) {
            throw new IllegalArgumentException("binding " + host + " (not a loopback address) needs an API key "
                    + "(--api_key or LORAPAR_API_KEY)");
        }
    }

    /** Loopback on {@code port}, no key, 1 MiB bodies, prompts and max_tokens up to the engine's context. */
    public static ServeOptions loopback(int port, EngineOptions engine) {
        return new ServeOptions("127.0.0.1", port, null, 1 << 20, engine.maxLength() - 1, engine.maxLength() - 1, 8,
                null, 10_000);
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve host " + host, e);
        }
    }
}

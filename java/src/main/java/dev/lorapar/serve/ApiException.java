package dev.lorapar.serve;

/**
 * An HTTP request that cannot be served, with the status and the OpenAI-style error fields it is answered with:
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String type, param, code;
    final int retryAfterSeconds; // > 0: a Retry-After header

    ApiException(int status, String type, String code, String param, String message, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400 invalid_request_error about {@code param}. */
    static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", "invalid_value", param, message, 0);
    }
}

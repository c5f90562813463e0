package dev.lorapar.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.tokenizer.ChatTurn;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses and validates OpenAI request bodies against the engine: a field of the wrong type or out of range is a 400
 * naming the field; an unknown model or adapter is a 404; unknown fields are ignored (clients send many).
 */
final class OpenAiRequests {
    private final ServingEngine engine;
    private final ServeOptions options;

    OpenAiRequests(ServingEngine engine, ServeOptions options) {
        this.engine = engine;
        this.options = options;
    }

    ParsedRequest parse(JsonNode body, boolean chat) {
        if (!(body instanceof ObjectNode o)) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        String model = text(o, "model", true);
        String adapter = adapterOf(model);
        int[] prompt = chat ? chatPrompt(o) : completionPrompt(o);
        if (prompt.length > options.maxPromptTokens()) {
            throw ApiException.invalid(chat ? "messages" : "prompt", "the prompt has " + prompt.length
                    + " tokens, more than the limit of " + options.maxPromptTokens());
        }
        JsonNode mt = o.has("max_completion_tokens") ? o.get("max_completion_tokens") : o.get("max_tokens");
        String mtName = o.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        int maxTokens = mt == null || mt.isNull() ? Math.min(chat ? options.maxTokensLimit() : 16,
                engine.options().maxLength() - prompt.length) : integer(mt, mtName, 1, options.maxTokensLimit());
        if (prompt.length + maxTokens > engine.options().maxLength()) {
            throw ApiException.invalid(mtName, "prompt (" + prompt.length + " tokens) + " + mtName + " (" + maxTokens
                    + ") exceeds the context of " + engine.options().maxLength() + " tokens");
        }
        if (maxTokens < 1) {
            throw ApiException.invalid(mtName, "the prompt leaves no room for new tokens in the context of "
                    + engine.options().maxLength());
        }
        float temperature = (float) number(o, "temperature", 1.0, 0, 2);
        float topP = (float) number(o, "top_p", 1.0, 0, 1);
        if (topP == 0f) {
            throw ApiException.invalid("top_p", "top_p must be in (0, 1]");
        }
        long seed = o.has("seed") && !o.get("seed").isNull() ? longValue(o.get("seed"), "seed") : 0;
        int n = o.has("n") && !o.get("n").isNull() ? integer(o.get("n"), "n", 1, options.maxChoices()) : 1;
        List<String> stop = stops(o.get("stop"));
        boolean logprobs = chat ? bool(o, "logprobs") : o.has("logprobs") && !o.get("logprobs").isNull()
                && integer(o.get("logprobs"), "logprobs", 0, 5) >= 0;
        boolean stream = bool(o, "stream");
        if (o.has("stream_options") && !o.get("stream_options").isNull() && !o.get("stream_options").isObject()) {
            throw ApiException.invalid("stream_options", "stream_options must be an object");
        }
        return new ParsedRequest(chat, model, adapter, prompt, maxTokens, temperature, topP, seed, n, stop, logprobs,
                stream);
    }

    /** "base" → null, "base:adapter" → adapter; anything else is a 404. */
    private String adapterOf(String model) {
        String base = engine.modelName();
        if (model.equals(base)) {
            return null;
        }
        if (model.startsWith(base + ":")) {
            String name = model.substring(base.length() + 1);
            if (engine.adapterNames().contains(name)) {
                return name;
            }
        }
        throw new ApiException(404, "invalid_request_error", "model_not_found", "model", "The model '" + model
                + "' does not exist; this server has '" + base + "'" + (engine.adapterNames().isEmpty() ? ""
                : " and " + engine.adapterNames().stream().map(a -> "'" + base + ":" + a + "'").toList()), 0);
    }

    private int[] completionPrompt(ObjectNode o) {
        JsonNode p = o.get("prompt");
        if (p == null || p.isNull()) {
            throw ApiException.invalid("prompt", "prompt is required");
        }
        if (p.isTextual()) {
            return engine.encodePrompt(p.asText());
        }
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
            return engine.encodePrompt(p.get(0).asText());
        }
        if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
            int vocab = engine.tokenizer().vocabSize();
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = integer(p.get(i), "prompt", 0, vocab - 1);
            }
            return ids;
        }
        throw ApiException.invalid("prompt", "prompt must be a string, a one-string array or an array of token ids");
    }

    private int[] chatPrompt(ObjectNode o) {
        JsonNode messages = o.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array");
        }
        String system = null;
        List<ChatTurn> turns = new ArrayList<>();
        String user = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject()) {
                throw ApiException.invalid("messages[" + i + "]", "each message must be an object");
            }
            String role = text((ObjectNode) m, "role", true);
            String content = content(m.get("content"), "messages[" + i + "].content");
            switch (role) {
                case "system", "developer" -> {
                    if (!turns.isEmpty() || user != null || system != null) {
                        throw ApiException.invalid("messages[" + i + "]", "one system message, first, is supported");
                    }
                    system = content;
                }
                case "user" -> {
                    if (user != null) {
                        throw ApiException.invalid("messages[" + i + "]", "two user messages in a row");
                    }
                    user = content;
                }
                case "assistant" -> {
                    if (user == null) {
                        throw ApiException.invalid("messages[" + i + "]", "an assistant message must follow a user "
                                + "one");
                    }
                    turns.add(new ChatTurn(user, content));
                    user = null;
                }
                default -> throw ApiException.invalid("messages[" + i + "].role", "role must be system, user or "
                        + "assistant, got '" + role + "'");
            }
        }
        if (user == null) {
            throw ApiException.invalid("messages", "the last message must be from the user");
        }
        turns.add(new ChatTurn(user, null));
        try {
            return engine.encodeChat(system, turns);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("messages", e.getMessage());
        }
    }

    private static String content(JsonNode c, String name) {
        if (c != null && c.isTextual()) {
            return c.asText();
        }
        if (c != null && c.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.invalid(name, "only text content parts are supported");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiException.invalid(name, "content must be a string or an array of text parts");
    }

    private static List<String> stops(JsonNode s) {
        if (s == null || s.isNull()) {
            return List.of();
        }
        if (s.isTextual()) {
            return List.of(s.asText());
        }
        if (s.isArray() && s.size() <= 4) {
            List<String> out = new ArrayList<>();
            for (JsonNode e : s) {
                if (!e.isTextual()) {
                    throw ApiException.invalid("stop", "stop must be a string or an array of up to 4 strings");
                }
                out.add(e.asText());
            }
            return out;
        }
        throw ApiException.invalid("stop", "stop must be a string or an array of up to 4 strings");
    }

    private static String text(ObjectNode o, String field, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ApiException.invalid(field, field + " is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.invalid(field, field + " must be a string");
        }
        return v.asText();
    }

    private static boolean bool(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalid(field, field + " must be a boolean");
        }
        return v.asBoolean();
    }

    private static double number(ObjectNode o, String field, double dflt, double lo, double hi) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber() || !(v.asDouble() >= lo && v.asDouble() <= hi)) {
            throw ApiException.invalid(field, field + " must be a number in [" + lo + ", " + hi + "]");
        }
        return v.asDouble();
    }

    private static int integer(JsonNode v, String field, int lo, int hi) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < lo || v.asInt() > hi) {
            throw ApiException.invalid(field, field + " must be an integer in [" + lo + ", " + hi + "]");
        }
        return v.asInt();
    }

    private static long longValue(JsonNode v, String field) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.invalid(field, field + " must be an integer");
        }
        return v.asLong();
    }
}

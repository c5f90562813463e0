package dev.lorapar.pipeline.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A teacher behind an OpenAI-compatible chat endpoint ({@code POST {baseUrl}/chat/completions}, as OpenAI, vLLM,
 * llama.cpp's server and {@code lorapar serve} offer): the §1 prompt (role play of the target model or not), greedy
 * (temperature 0), the answer = {@code choices[0].message.content}. A call that times out, cannot connect, or gets
 * HTTP 408 / 429 / 5xx is tried again up to {@code retries} times after {@code backoff·2^k} (k = 0, 1, …); other HTTP
 * errors and malformed responses fail at once. Calls start at most {@code requestsPerSecond} per second. The API key
 * is read from the environment variable {@code apiKeyEnv} (never from a file or a flag) and sent as a Bearer token.
 */
public final class ChatTeacher implements Teacher {
    /** Settings of one endpoint. */
    public record Config(String name, String baseUrl, String model, String apiKeyEnv, int concurrency,
                         Duration timeout, int retries, Duration backoff, double requestsPerSecond, boolean rolePlay,
                         String targetModel, int maxTokens) {
        public Config {
            Objects.requireNonNull(name, "teacher name");
            if (baseUrl == null || !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
                throw new IllegalArgumentException("teacher " + name + ": base_url '" + baseUrl + "' is not http(s)://…");
            }
            if (model == null || model.isBlank()) throw new IllegalArgumentException("teacher " + name + ": model is missing");
            if (concurrency < 1) throw new IllegalArgumentException("teacher " + name + ": concurrency must be ≥ 1");
            if (retries < 0) throw new IllegalArgumentException("teacher " + name + ": retries must be ≥ 0");
            if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("teacher " + name + ": timeout must be > 0");
            if (maxTokens < 1) throw new IllegalArgumentException("teacher " + name + ": max_tokens must be ≥ 1");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Config config;
    private final HttpClient http;
    private final RateLimiter limiter;
    private final String apiKey;

    public ChatTeacher(Config config) {
        this.config = config;
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
        this.limiter = new RateLimiter(config.requestsPerSecond());
        if (config.apiKeyEnv() != null && !config.apiKeyEnv().isBlank()) {
            String v = System.getenv(config.apiKeyEnv());
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("teacher " + config.name() + ": environment variable "
                        + config.apiKeyEnv() + " (its API key) is not set");
            }
            apiKey = v;
        } else {
            apiKey = null;
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String key() {
        return "chat " + config.baseUrl() + " model=" + config.model() + " role_play=" + config.rolePlay()
                + (config.rolePlay() ? " target=" + config.targetModel() : "") + " max_tokens=" + config.maxTokens();
    }

    @Override
    public int concurrency() {
        return config.concurrency();
    }

    /** The request body for {@code item} after {@code history} (earlier unparseable answers). */
    String body(Item item, List<String> history) {
        ObjectNode req = JSON.createObjectNode();
        req.put("model", config.model());
        req.put("temperature", 0);
        req.put("max_tokens", config.maxTokens());
        ArrayNode messages = req.putArray("messages");
        messages.addObject().put("role", "system").put("content", Prompts.system(config.rolePlay(), config.targetModel()));
        messages.addObject().put("role", "user").put("content", Prompts.user(item, config.rolePlay(), config.targetModel()));
        for (String earlier : history) {
            messages.addObject().put("role", "assistant").put("content", earlier);
            messages.addObject().put("role", "user").put("content", Prompts.RETRY);
        }
        return req.toString();
    }

    @Override
    public String ask(Item item, List<String> history) throws TeacherException, InterruptedException {
        String url = config.baseUrl().replaceAll("/+$", "") + "/chat/completions";
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url)).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(item, history)));
        if (apiKey != null) rb.header("Authorization", "Bearer " + apiKey);
        HttpRequest request = rb.build();
        String lastProblem = null;
        for (int attempt = 0; attempt <= config.retries(); attempt++) {
            if (attempt > 0) Thread.sleep(config.backoff().toMillis() << Math.min(attempt - 1, 20));
            limiter.acquire();
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (HttpTimeoutException e) {
                lastProblem = "timed out after " + config.timeout().toMillis() + " ms";
                continue;
            } catch (IOException e) {
                lastProblem = "request failed: " + e;
                continue;
            }
            int status = response.statusCode();
            if (status == 408 || status == 429 || status >= 500) {
                lastProblem = "HTTP " + status;
                continue;
            }
            if (status != 200) {
                throw new TeacherException("HTTP " + status + " from " + url + ": " + abbreviate(response.body()), null);
            }
            return content(response.body(), url);
        }
        throw new TeacherException(lastProblem + " (" + (config.retries() + 1) + " tries) at " + url, null);
    }

    private static String content(String body, String url) throws TeacherException {
        try {
            JsonNode json = JSON.readTree(body);
            JsonNode content = json == null ? null : json.path("choices").path(0).path("message").path("content");
            if (content == null || !content.isTextual()) {
                throw new TeacherException("response of " + url + " has no choices[0].message.content: " + abbreviate(body), null);
            }
            return content.asText();
        } catch (IOException e) {
            throw new TeacherException("response of " + url + " is not JSON: " + abbreviate(body), e);
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}

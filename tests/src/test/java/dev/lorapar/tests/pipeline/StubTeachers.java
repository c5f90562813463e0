package dev.lorapar.tests.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Three OpenAI-compatible chat endpoints over real HTTP for classify tests, each counting its requests per item
 * (items are questions "Q&lt;n&gt;: …"):
 * <ul>
 * <li>{@code /good/v1}: System2 when the question mentions "steps", else System1 (after a line of prose); waits
 *     {@code goodDelayMs} before answering;</li>
 * <li>{@code /garbage/v1}: always "banana" — unparseable, also on the retry;</li>
 * <li>{@code /slow/v1}: answers like good for even items and sleeps {@code slowSleepMs} (2.5 s, past the client's
 *     timeout) on odd ones.</li>
 * </ul>
 */
final class StubTeachers implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ITEM = Pattern.compile("Question:\\nQ(\\d+):");

    final HttpServer server;
    final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>(); // "endpoint/item" → count
    volatile long goodDelayMs;
    volatile long slowSleepMs = 2500;

    StubTeachers(long goodDelayMs) throws IOException {
        this.goodDelayMs = goodDelayMs;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        for (String endpoint : new String[] {"good", "garbage", "slow"}) {
            server.createContext("/" + endpoint + "/v1/chat/completions", ex -> handle(endpoint, ex));
        }
        server.start();
    }

    String baseUrl(String endpoint) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + endpoint + "/v1";
    }

    int count(String endpoint) {
        int n = 0;
        for (var e : requests.entrySet()) if (e.getKey().startsWith(endpoint + "/")) n += e.getValue().get();
        return n;
    }

    int count(String endpoint, int item) {
        AtomicInteger c = requests.get(endpoint + "/" + item);
        return c == null ? 0 : c.get();
    }

    Map<String, Integer> snapshot() {
        Map<String, Integer> m = new ConcurrentHashMap<>();
        requests.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    private void handle(String endpoint, HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode req = JSON.readTree(ex.getRequestBody().readAllBytes());
            String user = req.path("messages").path(1).path("content").asText();
            Matcher m = ITEM.matcher(user);
            int item = m.find() ? Integer.parseInt(m.group(1)) : -1;
            requests.computeIfAbsent(endpoint + "/" + item, k -> new AtomicInteger()).incrementAndGet();
            String answer;
            try {
                switch (endpoint) {
                    case "good" -> {
                        Thread.sleep(goodDelayMs);
                        answer = "Let me think about it.\n" + (user.contains("steps") ? "System2" : "System1");
                    }
                    case "garbage" -> answer = "banana";
                    default -> {
                        if (item % 2 == 1) Thread.sleep(slowSleepMs);
                        answer = user.contains("steps") ? "System2" : "**System1**";
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            var body = JSON.createObjectNode();
            body.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", answer);
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
        } catch (IOException e) {
            // the client gave up (timeout): nothing to answer
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package dev.lorapar.tests.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.serve.CompletionRequest;
import dev.lorapar.serve.EngineOptions;
import dev.lorapar.serve.FinishReason;
import dev.lorapar.serve.Generation;
import dev.lorapar.serve.OpenAiServer;
import dev.lorapar.serve.QueueFullException;
import dev.lorapar.serve.ServeOptions;
import dev.lorapar.serve.ServingEngine;
import dev.lorapar.serve.TokenChunk;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tokenizer.ChatTurn;
import dev.lorapar.tokenizer.Tokenizers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * lorapar serve over real HTTP on stories260K (CPU): langchain4j's OpenAI client (chat, streaming), 32 concurrent
 * streaming clients identical to the same requests served alone, the OpenAI JSON shapes, SSE with usage and [DONE],
 * a table of bad requests each with its status and an OpenAI error body (the server healthy after each), auth, 503
 * with Retry-After on a full queue, cancellation, and flat memory afterwards.
 */
class ServeHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static ServingEngine engine;
    static OpenAiServer server;
    static HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static String model;

    @BeforeAll
    static void start() {
        Path bin = SharedData.require("llama2c-stories260K/stories260K.bin");
        engine = ServingEngine.open(bin, Tokenizers.open(bin.resolveSibling("tok512.bin")), Device.CPU, DType.F32,
                new EngineOptions(8, 160, 64, true));
        server = OpenAiServer.start(engine, ServeOptions.loopback(0, engine.options()));
        model = engine.modelName();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (engine != null) engine.close();
    }

    /** The reply to one user message, greedy, computed by the engine alone. */
    static String alone(String user, int maxTokens) throws InterruptedException {
        int[] prompt = engine.encodeChat(null, List.of(new ChatTurn(user, null)));
        return engine.generate(CompletionRequest.greedy(null, prompt, maxTokens)).text();
    }

    static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        return send(path, HttpRequest.BodyPublishers.ofString(body), headers);
    }

    static HttpResponse<String> send(String path, HttpRequest.BodyPublisher body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).POST(body)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    OpenAiChatModel chatModel() {
        return OpenAiChatModel.builder().baseUrl(server.baseUrl() + "/v1").apiKey("unused").modelName(model)
                .temperature(0.0).maxTokens(24).timeout(Duration.ofSeconds(60)).build();
    }

    OpenAiStreamingChatModel streamingModel() {
        return OpenAiStreamingChatModel.builder().baseUrl(server.baseUrl() + "/v1").apiKey("unused").modelName(model)
                .temperature(0.0).maxTokens(24).timeout(Duration.ofSeconds(60)).build();
    }

    /** Streams one chat through langchain4j; completes with the concatenated partials and the final response. */
    static CompletableFuture<String> stream(OpenAiStreamingChatModel m, String user) {
        CompletableFuture<String> done = new CompletableFuture<>();
        StringBuilder text = new StringBuilder();
        m.chat(user, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                synchronized (text) {
                    text.append(partial);
                }
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                synchronized (text) {
                    if (!text.toString().equals(response.aiMessage().text())) {
                        done.completeExceptionally(new AssertionError("partials '" + text + "' but final '"
                                + response.aiMessage().text() + "'"));
                    }
                    done.complete(text.toString());
                }
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        return done;
    }

    @Test
    void langchain4jChatAndStreamingMatchTheEngine() throws Exception {
        String expected = alone("Tell me a story.", 24);
        assertFalse(expected.isEmpty());
        ChatResponse r = chatModel().chat(List.of(dev.langchain4j.data.message.UserMessage.from("Tell me a story.")));
        assertEquals(expected, r.aiMessage().text());
        assertTrue(r.tokenUsage().outputTokenCount() > 0 && r.tokenUsage().inputTokenCount() > 0);
        assertEquals(expected, stream(streamingModel(), "Tell me a story.").get(60, TimeUnit.SECONDS));
    }

    @Test
    void thirtyTwoConcurrentStreamsEqualTheirRequestsAlone() throws Exception {
        String[] users = {"Tell me a story.", "Lily had a cat.", "Tom went to the park.", "Once upon a time"};
        String[] expected = new String[users.length];
        for (int i = 0; i < users.length; i++) expected[i] = alone(users[i], 24);
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long heapBefore = rt.totalMemory() - rt.freeMemory();
        long tensorsBefore = Tensor.liveBytes();
        long errorsBefore = engine.metrics().finished(FinishReason.ERROR);
        OpenAiStreamingChatModel m = streamingModel();
        List<CompletableFuture<String>> all = new ArrayList<>();
        for (int c = 0; c < 32; c++) all.add(stream(m, users[c % users.length]));
        for (int c = 0; c < 32; c++) {
            assertEquals(expected[c % users.length], all.get(c).get(120, TimeUnit.SECONDS), "client " + c);
        }
        assertEquals(errorsBefore, engine.metrics().finished(FinishReason.ERROR));
        for (int i = 0; i < 100 && (engine.running() > 0 || engine.queueDepth() > 0); i++) Thread.sleep(10);
        assertEquals(0, engine.running());
        assertEquals(0, engine.queueDepth());
        assertEquals(tensorsBefore, Tensor.liveBytes(), "device allocations back to the start");
        System.gc();
        long heapAfter = rt.totalMemory() - rt.freeMemory();
        assertTrue(heapAfter - heapBefore < 64L << 20, "heap grew by " + (heapAfter - heapBefore) + " bytes");
    }

    @Test
    void completionsJsonShapesStreamAndModels() throws Exception {
        HttpResponse<String> r = post("/v1/completions", "{\"model\":\"" + model + "\",\"prompt\":\"Once upon\","
                + "\"max_tokens\":8,\"temperature\":0,\"logprobs\":1,\"n\":2}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        assertEquals("text_completion", j.get("object").asText());
        assertEquals(2, j.get("choices").size());
        assertEquals(j.get("choices").get(0).get("text"), j.get("choices").get(1).get("text"), "greedy n=2");
        JsonNode lp = j.get("choices").get(0).get("logprobs");
        assertEquals(8, lp.get("token_logprobs").size());
        lp.get("token_logprobs").forEach(v -> assertTrue(v.asDouble() <= 0));
        assertEquals(16, j.get("usage").get("completion_tokens").asInt());
        assertEquals("length", j.get("choices").get(0).get("finish_reason").asText());

        HttpResponse<String> s = post("/v1/completions", "{\"model\":\"" + model + "\",\"prompt\":\"Once upon\","
                + "\"max_tokens\":8,\"temperature\":0,\"stream\":true}");
        assertEquals(200, s.statusCode());
        assertTrue(s.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        String[] events = s.body().split("\n\n");
        assertEquals("data: [DONE]", events[events.length - 1]);
        JsonNode usage = JSON.readTree(events[events.length - 2].substring(6));
        assertEquals(8, usage.get("usage").get("completion_tokens").asInt());
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < events.length - 2; i++) {
            text.append(JSON.readTree(events[i].substring(6)).get("choices").get(0).get("text").asText());
        }
        assertEquals(JSON.readTree(post("/v1/completions", "{\"model\":\"" + model + "\",\"prompt\":\"Once upon\","
                + "\"max_tokens\":8,\"temperature\":0}").body()).get("choices").get(0).get("text").asText(),
                text.toString());

        JsonNode models = JSON.readTree(get("/v1/models").body());
        assertEquals(model, models.get("data").get(0).get("id").asText());
        assertEquals(200, get("/health").statusCode());
        assertEquals(200, get("/ready").statusCode());
        String metrics = get("/metrics").body();
        assertTrue(metrics.contains("lorapar_requests_total{outcome=\"length\"}"), metrics);
        assertTrue(metrics.contains("lorapar_time_to_first_token_seconds_bucket"));
        assertTrue(metrics.contains("lorapar_queue_depth 0"));
    }

    @Test
    void adapterByModelNameChatLogprobsAndNoCorsByDefault() throws Exception {
        try (Stream s = Stream.create(Device.CPU);
             LoraAdapter a = ServingEngineTest.randomAdapter(engine.weights(), s, Rng.forTest("serve-http-adapter"))) {
            engine.addAdapter("lora", a);
            try {
                JsonNode models = JSON.readTree(get("/v1/models").body());
                assertEquals(model + ":lora", models.get("data").get(1).get("id").asText());
                int[] prompt = engine.encodeChat(null, List.of(new ChatTurn("Hi", null)));
                String want = engine.generate(CompletionRequest.greedy("lora", prompt, 12)).text();
                HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"" + model + ":lora\","
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":12,"
                        + "\"temperature\":0,\"logprobs\":true}");
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.headers().firstValue("access-control-allow-origin").isEmpty(), "CORS off by default");
                JsonNode choice = JSON.readTree(r.body()).get("choices").get(0);
                assertEquals(want, choice.get("message").get("content").asText());
                assertEquals("assistant", choice.get("message").get("role").asText());
                JsonNode content = choice.get("logprobs").get("content");
                assertTrue(content.size() >= 1 && content.get(0).get("logprob").asDouble() <= 0, r.body());
            } finally {
                engine.unloadAdapter("lora");
            }
        }
    }

    @Test
    void seedsMakeSamplingReproducible() throws Exception {
        String body = "{\"model\":\"" + model + "\",\"prompt\":\"Once\",\"max_tokens\":20,\"temperature\":1.0,"
                + "\"top_p\":0.95,\"n\":4,\"seed\":";
        JsonNode a = JSON.readTree(post("/v1/completions", body + "7}").body()).get("choices");
        JsonNode b = JSON.readTree(post("/v1/completions", body + "7}").body()).get("choices");
        JsonNode c = JSON.readTree(post("/v1/completions", body + "8}").body()).get("choices");
        assertEquals(a, b, "the same seed gives the same choices");
        java.util.Set<String> texts = new java.util.HashSet<>();
        a.forEach(choice -> texts.add(choice.get("text").asText()));
        assertTrue(texts.size() > 1, "choice i samples with seed + i: " + a);
        assertEquals(a.get(1).get("text"), c.get(0).get("text"), "seed 7 choice 1 = seed 8 choice 0");
    }

    @Test
    void stopStringsCutTheText() throws Exception {
        String full = JSON.readTree(post("/v1/completions", "{\"model\":\"" + model + "\",\"prompt\":\"Once\","
                + "\"max_tokens\":30,\"temperature\":0}").body()).get("choices").get(0).get("text").asText();
        String stop = full.substring(10, 13);
        JsonNode j = JSON.readTree(post("/v1/completions", "{\"model\":\"" + model + "\",\"prompt\":\"Once\","
                + "\"max_tokens\":30,\"temperature\":0,\"stop\":[\"" + stop + "\"]}").body());
        assertEquals(full.substring(0, full.indexOf(stop)), j.get("choices").get(0).get("text").asText());
        assertEquals("stop", j.get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void clientDisconnectCancelsItsGeneration() throws Exception {
        long cancelled = engine.metrics().finished(FinishReason.CANCELLED);
        String body = "{\"model\":\"" + model + "\",\"prompt\":\"Once\",\"max_tokens\":150,\"stream\":true}";
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            socket.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    + "application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes());
            socket.getOutputStream().write(bytes);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream()));
            for (String line; (line = in.readLine()) != null && !line.startsWith("data: "); ) {
                assertFalse(line.startsWith("HTTP/1.1 4") || line.startsWith("HTTP/1.1 5"), line);
            }
        } // the client goes away after the first event
        for (int i = 0; i < 500 && engine.metrics().finished(FinishReason.CANCELLED) == cancelled; i++) {
            Thread.sleep(10);
        }
        assertEquals(cancelled + 1, engine.metrics().finished(FinishReason.CANCELLED), "cancelled on disconnect");
        assertEquals(200, get("/health").statusCode());
    }

    @Test
    void gracefulShutdownFinishesInFlightRequests() throws Exception {
        OpenAiServer second = OpenAiServer.start(engine, ServeOptions.loopback(0, engine.options()));
        HttpRequest req = HttpRequest.newBuilder(URI.create(second.baseUrl() + "/v1/completions")).POST(
                HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"prompt\":\"Once\","
                        + "\"max_tokens\":120,\"temperature\":0}")).build();
        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 2500 && engine.running() == 0; i++) Thread.sleep(2);
        assertTrue(engine.running() > 0, "the request is being generated");
        second.close();
        HttpResponse<String> r = inFlight.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(120, JSON.readTree(r.body()).get("usage").get("completion_tokens").asInt());
        assertThrows(java.io.IOException.class, () -> http.send(req, HttpResponse.BodyHandlers.ofString()),
                "the listener is closed");
    }

    record Bad(String name, String path, String body, int status, String... headers) {
    }

    @Test
    void badRequestsGetTheirStatusAndTheServerStaysHealthy() throws Exception {
        String m = "\"model\":\"" + model + "\"";
        List<Bad> table = List.of(
                new Bad("malformed JSON", "/v1/completions", "{\"model\":", 400),
                new Bad("not an object", "/v1/completions", "[1,2]", 400),
                new Bad("empty body", "/v1/completions", "", 400),
                new Bad("model missing", "/v1/completions", "{\"prompt\":\"x\"}", 400),
                new Bad("model a number", "/v1/completions", "{\"model\":3,\"prompt\":\"x\"}", 400),
                new Bad("unknown model", "/v1/completions", "{\"model\":\"gpt-4\",\"prompt\":\"x\"}", 404),
                new Bad("unknown adapter", "/v1/completions", "{\"model\":\"" + model + ":nope\",\"prompt\":\"x\"}", 404),
                new Bad("prompt a number", "/v1/completions", "{" + m + ",\"prompt\":5}", 400),
                new Bad("token outside vocab", "/v1/completions", "{" + m + ",\"prompt\":[1,99999]}", 400),
                new Bad("max_tokens negative", "/v1/completions", "{" + m + ",\"prompt\":\"x\",\"max_tokens\":-3}", 400),
                new Bad("max_tokens a string", "/v1/completions", "{" + m + ",\"prompt\":\"x\",\"max_tokens\":\"9\"}", 400),
                new Bad("max_tokens huge", "/v1/completions", "{" + m + ",\"prompt\":\"x\",\"max_tokens\":100000000}", 400),
                new Bad("temperature too high", "/v1/completions", "{" + m + ",\"prompt\":\"x\",\"temperature\":9}", 400),
                new Bad("top_p zero", "/v1/completions", "{" + m + ",\"prompt\":\"x\",\"top_p\":0}", 400),
                new Bad("n zero", "/v1/completions", "{" + m + ",\"prompt\":\"x\",\"n\":0}", 400),
                new Bad("stop a number", "/v1/completions", "{" + m + ",\"prompt\":\"x\",\"stop\":7}", 400),
                new Bad("stream a string", "/v1/completions", "{" + m + ",\"prompt\":\"x\",\"stream\":\"yes\"}", 400),
                new Bad("messages missing", "/v1/chat/completions", "{" + m + "}", 400),
                new Bad("message role bad", "/v1/chat/completions", "{" + m + ",\"messages\":[{\"role\":\"x\",\"content\":\"y\"}]}", 400),
                new Bad("content a number", "/v1/chat/completions", "{" + m + ",\"messages\":[{\"role\":\"user\",\"content\":1}]}", 400),
                new Bad("prompt too long", "/v1/completions", "{" + m + ",\"prompt\":\"" + "word ".repeat(400) + "\"}", 400),
                new Bad("body too large", "/v1/completions", "{" + m + ",\"prompt\":\"" + "x".repeat(2 << 20) + "\"}", 413),
                new Bad("unknown route", "/v1/nothing", "{}", 404),
                new Bad("GET-only route posted", "/v1/models", "{}", 405));
        for (Bad b : table) {
            HttpResponse<String> r = post(b.path(), b.body(), b.headers());
            assertEquals(b.status(), r.statusCode(), b.name() + ": " + r.body());
            JsonNode err = JSON.readTree(r.body()).get("error");
            assertNotNull(err, b.name());
            assertTrue(err.get("message").isTextual() && err.has("type") && err.has("code"), b.name());
            assertEquals(200, get("/health").statusCode(), "healthy after " + b.name());
        }
        byte[] invalidUtf8 = ("{" + m + ",\"prompt\":\"a\u0000\"}").getBytes();
        invalidUtf8[invalidUtf8.length - 3] = (byte) 0xC3; // a lead byte followed by '"': not UTF-8
        HttpResponse<String> r = send("/v1/completions", HttpRequest.BodyPublishers.ofByteArray(invalidUtf8));
        assertEquals(400, r.statusCode(), "invalid UTF-8: " + r.body());
        assertEquals(200, post("/v1/completions", "{" + m + ",\"prompt\":\"x\",\"max_tokens\":2}").statusCode());
    }

    @Test
    void authQueueFullAndCancellation() throws Exception {
        Path bin = SharedData.require("llama2c-stories260K/stories260K.bin");
        try (ServingEngine small = ServingEngine.open(bin, Tokenizers.open(bin.resolveSibling("tok512.bin")),
                Device.CPU, DType.F32, new EngineOptions(1, 600, 0, true));
             OpenAiServer secured = OpenAiServer.start(small, new ServeOptions("127.0.0.1", 0, "s3cret", 1 << 16,
                     500, 500, 2, "https://app.example", 1000))) {
            HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create(secured.baseUrl()
                    + "/v1/completions")).method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, preflight.statusCode(), "CORS preflight needs no key");
            assertEquals("https://app.example", preflight.headers().firstValue("access-control-allow-origin")
                    .orElse(null));
            String body = "{\"model\":\"" + small.modelName() + "\",\"prompt\":\"x\",\"max_tokens\":2}";
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(secured.baseUrl() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            assertEquals(401, http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode(), "no key");
            assertEquals(401, http.send(b.copy().header("Authorization", "Bearer wrong").build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "wrong key");
            assertEquals(200, http.send(b.copy().header("Authorization", "Bearer s3cret").build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "right key");

            Generation longOne = small.submit(CompletionRequest.greedy(null, small.encodePrompt("x"), 550));
            TokenChunk first = longOne.iterator().next(); // it holds the only row now
            assertNotNull(first);
            assertThrows(QueueFullException.class, () -> small.submit(CompletionRequest.greedy(null, new int[] {1}, 2)));
            HttpResponse<String> busy = http.send(b.copy().header("Authorization", "Bearer s3cret").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, busy.statusCode(), busy.body());
            assertEquals("1", busy.headers().firstValue("retry-after").orElse(null));
            longOne.cancel();
            assertEquals(FinishReason.CANCELLED, longOne.await().finishReason());
            assertTrue(longOne.await().completionTokens() < 550);
            assertEquals(200, http.send(b.copy().header("Authorization", "Bearer s3cret").build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "served again after the cancel");
        }
        assertThrows(IllegalArgumentException.class, () -> new ServeOptions("0.0.0.0", 0, null, 1, 1, 1, 1, null, 0),
                "a non-loopback bind needs a key");
        assertNull(ServeOptions.loopback(0, EngineOptions.of(1, 8)).apiKey());
    }
}

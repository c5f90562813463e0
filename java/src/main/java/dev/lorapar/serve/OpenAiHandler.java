package dev.lorapar.serve;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.model.Sampling;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * The routes of {@code lorapar serve} on Jetty's core Handler API: GET /v1/models, POST /v1/completions and
 * /v1/chat/completions (JSON or server-sent events), GET /health, /ready and /metrics. Bearer auth on /v1/*, body
 * size limit, optional CORS; every failure is an OpenAI-style error body; a client that disconnects while its
 * answer streams has its generations cancelled.
 */
final class OpenAiHandler extends Handler.Abstract {
    private final ServingEngine engine;
    private final ServeOptions options;
    private final OpenAiRequests requests;
    private final long created = System.currentTimeMillis() / 1000;
    private volatile boolean draining;
    private final java.util.Set<Generation> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger answering = new java.util.concurrent.atomic.AtomicInteger();

    OpenAiHandler(ServingEngine engine, ServeOptions options) {
        this.engine = engine;
        this.options = options;
        this.requests = new OpenAiRequests(engine, options);
    }

    /** From now on new generation requests get 503 (shutdown in progress). */
    void drain() {
        draining = true;
    }

    /** Generation requests still being answered (from arrival until their last byte is written). */
    int inFlight() {
        return answering.get();
    }

    /** callback, counting the request as being answered until it completes. */
    private Callback tracked(Callback callback) {
        answering.incrementAndGet();
        return new Callback() {
            @Override
            public void succeeded() {
                try {
                    callback.succeeded();
                } finally {
                    answering.decrementAndGet();
                }
            }

            @Override
            public void failed(Throwable x) {
                try {
                    callback.failed(x);
                } finally {
                    answering.decrementAndGet();
                }
            }
        };
    }

    /** Cancels every generation still being answered (the end of a shutdown's grace period). */
    void cancelInFlight() {
        inFlight.forEach(Generation::cancel);
    }

    @Override
    public boolean handle(Request request, Response response, Callback original) {
        Callback callback = request.getMethod().equals("POST") ? tracked(original) : original;
        if (options.corsOrigin() != null) {
            response.getHeaders().put("Access-Control-Allow-Origin", options.corsOrigin());
            response.getHeaders().put("Access-Control-Allow-Headers", "Authorization, Content-Type");
            response.getHeaders().put("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        }
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            if (options.corsOrigin() != null && method.equals("OPTIONS")) {
                send(response, callback, 204, null, null);
                return true;
            }
            switch (path) {
                case "/health" -> sendText(response, callback, 200, "ok\n", "text/plain");
                case "/ready" -> {
                    boolean ready = engine.isOpen() && !draining;
                    sendText(response, callback, ready ? 200 : 503, ready ? "ready\n" : "not ready\n", "text/plain");
                }
                case "/metrics" -> sendText(response, callback, 200, engine.metrics().prometheus(),
                        "text/plain; version=0.0.4; charset=utf-8");
                case "/v1/models" -> {
                    expect(method, "GET");
                    authorize(request);
                    sendJson(response, callback, 200, OpenAiResponses.models(engine, created));
                }
                case "/v1/completions", "/v1/chat/completions" -> {
                    expect(method, "POST");
                    authorize(request);
                    complete(request, response, callback, path.equals("/v1/chat/completions"));
                }
                default -> throw new ApiException(404, "invalid_request_error", "not_found", null, "no route "
                        + method + " " + path, 0);
            }
        } catch (ApiException e) {
            fail(response, callback, e);
        } catch (QueueFullException e) {
            fail(response, callback, new ApiException(503, "server_error", "overloaded", null, e.getMessage(), 1));
        } catch (RuntimeException e) {
            fail(response, callback, new ApiException(500, "server_error", "internal_error", null,
                    "internal error: " + e, 0));
        }
        return true;
    }

    private static void expect(String method, String wanted) {
        if (!method.equals(wanted)) {
            throw new ApiException(405, "invalid_request_error", "method_not_allowed", null, "use " + wanted, 0);
        }
    }

    private void authorize(Request request) {
        if (options.apiKey() == null) {
            return;
        }
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        byte[] want = ("Bearer " + options.apiKey()).getBytes(StandardCharsets.UTF_8);
        if (h == null || !MessageDigest.isEqual(want, h.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "invalid_request_error", "invalid_api_key", null,
                    "missing or wrong bearer token (Authorization: Bearer <key>)", 0);
        }
    }

    private JsonNode readJson(Request request) {
        long declared = request.getLength();
        if (declared > options.maxBodyBytes()) {
            throw tooLarge();
        }
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readNBytes(options.maxBodyBytes() + 1);
        } catch (IOException e) {
            throw ApiException.invalid(null, "cannot read the request body: " + e.getMessage());
        }
        if (body.length > options.maxBodyBytes()) {
            throw tooLarge();
        }
        try {
            JsonNode node = OpenAiResponses.JSON.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiException.invalid(null, "the request body is empty");
            }
            return node;
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "the body is not valid JSON (UTF-8): " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.invalid(null, "cannot read the request body: " + e.getMessage());
        }
    }

    private ApiException tooLarge() {
        return new ApiException(413, "invalid_request_error", "request_too_large", null, "the request body is larger "
                + "than " + options.maxBodyBytes() + " bytes", 0);
    }

    private void complete(Request request, Response response, Callback callback, boolean chat) {
        if (draining || !engine.isOpen()) {
            throw new ApiException(503, "server_error", "shutting_down", null, "the server is shutting down", 1);
        }
        ParsedRequest q = requests.parse(readJson(request), chat);
        List<Generation> gens = new ArrayList<>();
        try {
            for (int i = 0; i < q.n(); i++) {
                Sampling s = Sampling.of(q.temperature(), 0, q.topP(), q.seed() + i);
                gens.add(engine.submit(new CompletionRequest(q.adapter(), q.prompt(), q.maxTokens(), s, q.stop(),
                        q.logprobs())));
            }
        } catch (IllegalArgumentException e) {
            gens.forEach(Generation::cancel);
            throw e instanceof UnknownAdapterException ? new ApiException(404, "invalid_request_error",
                    "model_not_found", "model", e.getMessage(), 0) : ApiException.invalid(null, e.getMessage());
        } catch (RuntimeException e) {
            gens.forEach(Generation::cancel);
            throw e;
        }
        inFlight.addAll(gens);
        try {
            answer(q, gens, request, response, callback);
        } finally {
            gens.forEach(inFlight::remove);
        }
    }

    private void answer(ParsedRequest q, List<Generation> gens, Request request, Response response,
                        Callback callback) {
        boolean chat = q.chat();
        request.addFailureListener(failure -> gens.forEach(Generation::cancel)); // the client went away
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        if (q.stream()) {
            stream(q, id, gens, response, callback);
            return;
        }
        List<Completion> done = new ArrayList<>();
        try {
            for (Generation g : gens) {
                done.add(g.await());
            }
        } catch (InterruptedException e) {
            gens.forEach(Generation::cancel);
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", "interrupted", null, "interrupted", 1);
        }
        for (Completion c : done) {
            if (c.finishReason() == FinishReason.ERROR) {
                throw new ApiException(500, "server_error", "generation_failed", null, "generation failed: "
                        + c.error(), 0);
            }
            if (c.finishReason() == FinishReason.CANCELLED) {
                throw new ApiException(503, "server_error", "cancelled", null, "the generation was cancelled "
                        + "(shutdown)", 1);
            }
        }
        sendJson(response, callback, 200, OpenAiResponses.full(q, id, created(), done, engine.tokenizer()));
    }

    private long created() {
        return System.currentTimeMillis() / 1000;
    }

    /** Server-sent events: a chunk per text delta of each choice, finish chunks, a usage chunk, then [DONE]. */
    private void stream(ParsedRequest q, String id, List<Generation> gens, Response response, Callback callback) {
        record Event(int index, TokenChunk chunk, Completion end) {
        }
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        for (int i = 0; i < gens.size(); i++) {
            int index = i;
            Generation g = gens.get(i);
            Thread.ofVirtual().name("lorapar-sse-" + i).start(() -> {
                for (TokenChunk c : g) {
                    events.add(new Event(index, c, null));
                }
                events.add(new Event(index, null, g.result().join()));
            });
        }
        long created = created();
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        boolean[] started = new boolean[gens.size()];
        int ended = 0, generated = 0;
        try {
            if (q.chat()) {
                for (int i = 0; i < gens.size(); i++) {
                    write(response, false, OpenAiResponses.chunk(q, id, created, i, "", true, null, null, 0,
                            engine.tokenizer()));
                    started[i] = true;
                }
            }
            while (ended < gens.size()) {
                Event e = events.take();
                if (e.end != null) {
                    ended++;
                    generated += e.end.completionTokens();
                    FinishReason r = e.end.finishReason();
                    write(response, false, OpenAiResponses.chunk(q, id, created, e.index, null, false, r, null, 0,
                            engine.tokenizer()));
                } else if (!e.chunk.text().isEmpty() || e.chunk.token() >= 0) { // one chunk per token
                    write(response, false, OpenAiResponses.chunk(q, id, created, e.index, e.chunk.text(), false,
                            null, e.chunk.token(), e.chunk.logprob(), engine.tokenizer()));
                }
            }
            ObjectNode usage = OpenAiResponses.head(q, id, created, true);
            usage.putArray("choices");
            usage.set("usage", OpenAiResponses.usage(q.prompt().length, generated));
            write(response, false, usage);
            response.write(true, ByteBuffer.wrap("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8)), callback);
        } catch (IOException | RuntimeException | InterruptedException e) { // the client went away mid-stream
            gens.forEach(Generation::cancel);
            callback.failed(e);
        }
    }

    private static void write(Response response, boolean last, ObjectNode event) throws IOException {
        byte[] bytes = ("data: " + OpenAiResponses.JSON.writeValueAsString(event) + "\n\n")
                .getBytes(StandardCharsets.UTF_8);
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(last, ByteBuffer.wrap(bytes), cb);
            cb.block();
        }
    }

    private static void sendJson(Response response, Callback callback, int status, ObjectNode body) {
        try {
            send(response, callback, status, OpenAiResponses.JSON.writeValueAsBytes(body), "application/json");
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    private static void sendText(Response response, Callback callback, int status, String body, String type) {
        send(response, callback, status, body.getBytes(StandardCharsets.UTF_8), type);
    }

    private static void send(Response response, Callback callback, int status, byte[] body, String type) {
        response.setStatus(status);
        if (type != null) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        }
        response.write(true, body == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
    }

    private static void fail(Response response, Callback callback, ApiException e) {
        if (response.isCommitted()) {
            callback.failed(e);
            return;
        }
        if (e.retryAfterSeconds > 0) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(e.retryAfterSeconds));
        }
        sendJson(response, callback, e.status, OpenAiResponses.error(e));
    }
}

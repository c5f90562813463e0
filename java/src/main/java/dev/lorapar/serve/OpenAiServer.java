package dev.lorapar.serve;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The OpenAI-compatible HTTP server over a {@link ServingEngine} (Jetty 12, one connector). {@link #close()} shuts
 * down gracefully: readiness goes false, new generations get 503, in-flight ones may finish within the grace period
 * ({@link ServeOptions#shutdownGraceMillis()}), the rest are cancelled, then the connector closes. The engine stays
 * the caller's.
 */
public final class OpenAiServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final OpenAiHandler handler;
    private final ServeOptions options;
    private boolean closed;

    private OpenAiServer(ServingEngine engine, ServeOptions options) {
        this.options = options;
        QueuedThreadPool threads = new QueuedThreadPool(256, 8);
        threads.setName("lorapar-http");
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost(options.host());
        connector.setPort(options.port());
        server.addConnector(connector);
        handler = new OpenAiHandler(engine, options);
        server.setHandler(handler);
        server.setStopTimeout(0); // close() drains requests itself; idle keep-alive connections are just closed
    }

    /** Starts serving {@code engine} as {@code options} say. */
    public static OpenAiServer start(ServingEngine engine, ServeOptions options) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(options, "options");
        OpenAiServer s = new OpenAiServer(engine, options);
        try {
            s.server.start();
        } catch (Exception e) {
            try {
                s.server.stop();
            } catch (Exception ignored) {
                // nothing more to release
            }
            throw new IllegalStateException("cannot listen on " + options.host() + ":" + options.port() + ": " + e, e);
        }
        return s;
    }

    /** The port listened on (the chosen one when options asked for 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** http://host:port */
    public String baseUrl() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port();
    }

    /** Blocks until the server has stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        handler.drain();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.shutdownGraceMillis());
        while (handler.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        handler.cancelInFlight();
        long answerDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1); // cancelled ones answer quickly
        while (handler.inFlight() > 0 && System.nanoTime() < answerDeadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the HTTP server failed: " + e, e);
        }
    }
}

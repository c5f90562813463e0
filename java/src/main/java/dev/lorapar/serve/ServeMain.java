package dev.lorapar.serve;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.RunSetup;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code lorapar serve}: loads a model (and adapters) and serves the OpenAI API until SIGINT / SIGTERM, then shuts
 * down gracefully. Options: {@code --model} (required; HF folder, llama2.c .bin, GGUF), {@code --tokenizer},
 * {@code --device cpu|cuda:N}, {@code --dtype bf16|f32}, {@code --host} (127.0.0.1), {@code --port} (8000),
 * {@code --api_key} (or env LORAPAR_API_KEY; required off loopback), {@code --adapter name=folder} (repeatable),
 * {@code --slots} (16), {@code --max_length} (2048, at most the model's), {@code --queue} (4 × slots),
 * {@code --max_body_bytes} (1 MiB), {@code --max_prompt_tokens}, {@code --max_tokens_limit}, {@code --max_n} (8),
 * {@code --cors_origin} (off), {@code --shutdown_grace_s} (10), {@code --cuda_graph true|false}.
 */
public final class ServeMain {
    private static final Set<String> KEYS = Set.of("model", "tokenizer", "device", "dtype", "host", "port", "api_key",
            "adapter", "slots", "max_length", "queue", "max_body_bytes", "max_prompt_tokens", "max_tokens_limit",
            "max_n", "cors_origin", "shutdown_grace_s", "cuda_graph");

    private ServeMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the server until the JVM is asked to stop; returns the exit status (2 = bad arguments). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> o = new LinkedHashMap<>();
        List<String> adapters = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--help") || args[i].equals("-h")) {
                    out.println("usage: lorapar serve --model PATH [--" + String.join(" V] [--", KEYS.stream()
                            .sorted().toList()) + " V]");
                    return 0;
                }
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --key value, got '" + args[i] + "'");
                }
                String key = args[i].substring(2).replace('-', '_');
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException("unknown option --" + key + "; known: " + KEYS.stream().sorted()
                            .toList());
                }
                if (key.equals("adapter")) adapters.add(args[++i]); else o.put(key, args[++i]);
            }
            if (!o.containsKey("model")) {
                throw new IllegalArgumentException("--model is required");
            }
        } catch (IllegalArgumentException e) {
            err.println("lorapar serve: " + e.getMessage());
            return 2;
        }
        try {
            return serve(o, adapters, out, err);
        } catch (IllegalArgumentException e) {
            err.println("lorapar serve: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("lorapar serve: failed: " + e);
            return 1;
        }
    }

    private static int serve(Map<String, String> o, List<String> adapters, PrintStream out, PrintStream err)
            throws InterruptedException {
        Path model = Path.of(o.get("model"));
        Device device = RunSetup.device(o.getOrDefault("device", "cpu"));
        DType dtype = switch (o.getOrDefault("dtype", device.isCuda() ? "bf16" : "f32").toLowerCase()) {
            case "bf16" -> DType.BF16;
            case "f32" -> DType.F32;
            default -> throw new IllegalArgumentException("--dtype must be bf16 or f32");
        };
        int slots = intOpt(o, "slots", 16);
        int maxLength = intOpt(o, "max_length", 2048);
        EngineOptions eo = new EngineOptions(slots, maxLength, intOpt(o, "queue", 4 * slots),
                Boolean.parseBoolean(o.getOrDefault("cuda_graph", "true")));
        String key = o.getOrDefault("api_key", System.getenv("LORAPAR_API_KEY"));
        ServeOptions so = new ServeOptions(o.getOrDefault("host", "127.0.0.1"), intOpt(o, "port", 8000), key,
                intOpt(o, "max_body_bytes", 1 << 20), intOpt(o, "max_prompt_tokens", maxLength - 1),
                intOpt(o, "max_tokens_limit", maxLength - 1), intOpt(o, "max_n", 8), o.get("cors_origin"),
                1000L * intOpt(o, "shutdown_grace_s", 10));
        var tokenizer = o.containsKey("tokenizer") ? Tokenizers.open(Path.of(o.get("tokenizer")))
                : Tokenizers.nextTo(model);
        try (ServingEngine engine = ServingEngine.open(model, tokenizer, device, dtype, eo)) {
            for (String a : adapters) {
                int eq = a.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--adapter takes name=folder, got '" + a + "'");
                }
                engine.loadAdapter(a.substring(0, eq), Path.of(a.substring(eq + 1)));
            }
            CountDownLatch stopped = new CountDownLatch(1);
            OpenAiServer server = OpenAiServer.start(engine, so);
            Thread hook = new Thread(() -> {
                err.println("lorapar serve: shutting down (grace " + so.shutdownGraceMillis() / 1000 + " s)");
                server.close();
                engine.shutdown(0, TimeUnit.SECONDS);
                stopped.countDown();
            });
            Runtime.getRuntime().addShutdownHook(hook);
            out.println("lorapar serve: " + engine.modelName() + (engine.adapterNames().isEmpty() ? ""
                    : " + adapters " + engine.adapterNames()) + " on " + device + ", " + slots + " slots × "
                    + maxLength + " tokens, listening on " + server.baseUrl() + (key == null ? "" : " (bearer auth)"));
            out.flush();
            stopped.await();
        }
        return 0;
    }

    private static int intOpt(Map<String, String> o, String key, int dflt) {
        String v = o.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got '" + v + "'");
        }
    }
}

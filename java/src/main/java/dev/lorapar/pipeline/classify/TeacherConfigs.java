package dev.lorapar.pipeline.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the voters of a classify run from a JSON array. An endpoint:
 * <pre>{"name": "gpt4o", "type": "openai", "base_url": "https://api.openai.com/v1", "model": "gpt-4o",
 *  "api_key_env": "OPENAI_API_KEY", "concurrency": 4, "timeout_s": 60, "retries": 3, "backoff_ms": 1000,
 *  "requests_per_second": 0, "role_play": true, "target_model": "LLaMA-2 7B", "max_tokens": 16}</pre>
 * (only name, type, base_url and model are required; role_play and target_model default to the command's flags);
 * a local voter: {@code {"name": "steps", "type": "steps" | "equations" | "sentences", "threshold": 3}}.
 * An unknown key is an error naming the entry and the key.
 */
public final class TeacherConfigs {
    private static final Set<String> CHAT_KEYS = Set.of("name", "type", "base_url", "model", "api_key_env",
            "concurrency", "timeout_s", "retries", "backoff_ms", "requests_per_second", "role_play", "target_model",
            "max_tokens");
    private static final Set<String> LOCAL_KEYS = Set.of("name", "type", "threshold");

    private TeacherConfigs() {
    }

    public static List<Teacher> read(Path file, boolean rolePlay, String targetModel) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read teachers file " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) throw new IllegalArgumentException(file + ": must hold a JSON array of voters");
        List<Teacher> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode t = root.get(i);
            String where = file + ": voter " + i;
            if (!t.isObject()) throw new IllegalArgumentException(where + " is not an object");
            String type = t.path("type").asText("");
            boolean chat = type.equals("openai");
            for (var e : t.properties()) {
                if (!(chat ? CHAT_KEYS : LOCAL_KEYS).contains(e.getKey())) {
                    throw new IllegalArgumentException(where + ": unknown key '" + e.getKey() + "' for type '" + type + "'");
                }
            }
            String name = t.path("name").asText(type);
            if (chat) {
                out.add(new ChatTeacher(new ChatTeacher.Config(name, t.path("base_url").asText(null),
                        t.path("model").asText(null), t.path("api_key_env").asText(""), t.path("concurrency").asInt(4),
                        Duration.ofMillis((long) (t.path("timeout_s").asDouble(60) * 1000)), t.path("retries").asInt(3),
                        Duration.ofMillis(t.path("backoff_ms").asLong(1000)), t.path("requests_per_second").asDouble(0),
                        t.path("role_play").asBoolean(rolePlay), t.path("target_model").asText(targetModel),
                        t.path("max_tokens").asInt(16))));
            } else {
                LocalVoter.Kind kind;
                try {
                    kind = LocalVoter.Kind.parse(type);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + ": type '" + type + "' is not openai, steps, equations or sentences");
                }
                out.add(new LocalVoter(name, kind, t.path("threshold").asInt(kind.defaultThreshold)));
            }
        }
        return out;
    }
}

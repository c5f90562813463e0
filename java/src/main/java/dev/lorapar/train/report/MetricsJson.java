package dev.lorapar.train.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One {@link MetricsRecord} as one line of JSON: {@code {"step":12,"epoch":0.5,"loss":1.23,...}} in the
 * order step, epoch, loss, eval_loss, lr, grad_norm, tokens_per_s, memory_bytes, time, elapsed_s, then
 * the extras by name. Null fields are left out; non-finite doubles are the strings "NaN", "Infinity",
 * "-Infinity".
 */
final class MetricsJson {
    static final Set<String> KNOWN_FIELDS = Set.of("step", "epoch", "loss", "eval_loss", "lr", "grad_norm",
            "tokens_per_s", "memory_bytes", "time", "elapsed_s");

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private MetricsJson() {
    }

    static String encode(MetricsRecord r) {
        StringWriter sw = new StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(sw)) {
            g.writeStartObject();
            g.writeNumberField("step", r.step());
            writeDouble(g, "epoch", r.epoch());
            writeDouble(g, "loss", r.loss());
            writeDouble(g, "eval_loss", r.evalLoss());
            writeDouble(g, "lr", r.lr());
            writeDouble(g, "grad_norm", r.gradNorm());
            writeDouble(g, "tokens_per_s", r.tokensPerS());
            if (r.memoryBytes() != null) g.writeNumberField("memory_bytes", r.memoryBytes());
            if (r.time() != null) g.writeStringField("time", r.time().toString());
            writeDouble(g, "elapsed_s", r.elapsedS());
            for (Map.Entry<String, Object> e : r.extra().entrySet()) writeExtra(g, e.getKey(), e.getValue());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("metrics record of step " + r.step() + " could not be encoded", e);
        }
        return sw.toString();
    }

    private static void writeDouble(JsonGenerator g, String name, Double v) throws IOException {
        if (v == null) return;
        g.writeFieldName(name);
        writeDoubleValue(g, v);
    }

    private static void writeDoubleValue(JsonGenerator g, double v) throws IOException {
        if (Double.isFinite(v)) g.writeNumber(v);
        else g.writeString(Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }

    private static void writeExtra(JsonGenerator g, String name, Object v) throws IOException {
        g.writeFieldName(name);
        switch (v) {
            case Boolean b -> g.writeBoolean(b);
            case String s -> g.writeString(s);
            case Byte n -> g.writeNumber(n.longValue());
            case Short n -> g.writeNumber(n.longValue());
            case Integer n -> g.writeNumber(n.longValue());
            case Long n -> g.writeNumber(n);
            case BigInteger n -> g.writeNumber(n);
            case BigDecimal n -> g.writeNumber(n);
            case Number n -> writeDoubleValue(g, n.doubleValue());
            default -> throw new IllegalStateException("unreachable: extra '" + name + "' checked by MetricsRecord");
        }
    }

    /** Parses one line; throws IllegalArgumentException saying what is wrong. */
    static MetricsRecord decode(String line) {
        JsonNode root;
        try {
            root = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("not a JSON object");
        JsonNode stepNode = root.get("step");
        if (stepNode == null) throw new IllegalArgumentException("no \"step\"");
        if (!stepNode.isIntegralNumber() || !stepNode.canConvertToLong() || stepNode.asLong() < 0) {
            throw new IllegalArgumentException("\"step\" is " + stepNode + ", not an integer ≥ 0");
        }
        Long memory = null;
        JsonNode mem = root.get("memory_bytes");
        if (mem != null && !mem.isNull()) {
            if (!mem.isIntegralNumber() || !mem.canConvertToLong()) {
                throw new IllegalArgumentException("\"memory_bytes\" is " + mem + ", not an integer");
            }
            memory = mem.asLong();
        }
        Instant time = null;
        JsonNode t = root.get("time");
        if (t != null && !t.isNull()) {
            try {
                time = Instant.parse(t.asText());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("\"time\" is " + t + ", not an ISO-8601 instant");
            }
        }
        Map<String, Object> extra = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (KNOWN_FIELDS.contains(e.getKey()) || e.getValue().isNull()) continue;
            extra.put(e.getKey(), extraValue(e.getValue()));
        }
        return new MetricsRecord(stepNode.asLong(), dbl(root, "epoch"), dbl(root, "loss"), dbl(root, "eval_loss"),
                dbl(root, "lr"), dbl(root, "grad_norm"), dbl(root, "tokens_per_s"), memory, time,
                dbl(root, "elapsed_s"), extra);
    }

    private static Double dbl(JsonNode root, String name) {
        JsonNode n = root.get(name);
        if (n == null || n.isNull()) return null;
        if (n.isNumber()) return n.asDouble();
        if (n.isTextual()) {
            switch (n.asText()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw new IllegalArgumentException("\"" + name + "\" is " + n + ", not a number");
    }

    private static Object extraValue(JsonNode n) {
        if (n.isBoolean()) return n.asBoolean();
        if (n.isTextual()) return n.asText();
        if (n.isIntegralNumber()) return n.canConvertToLong() ? (Object) n.asLong() : n.bigIntegerValue();
        if (n.isNumber()) return n.asDouble();
        return n.toString(); // arrays and objects of other writers: kept as their JSON text
    }
}

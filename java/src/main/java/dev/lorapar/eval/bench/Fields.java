package dev.lorapar.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads required fields of one JSON record; every failure names the record's source and the field. */
final class Fields {
    private final JsonNode node;
    private final ItemSource source;

    Fields(JsonNode node, ItemSource source) {
        this.node = node;
        this.source = source;
        if (!node.isObject()) {
            throw fail("expected a JSON object, found " + node.getNodeType().toString().toLowerCase());
        }
    }

    BenchmarkFormatException fail(String message) {
        return new BenchmarkFormatException(source, message);
    }

    JsonNode required(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw fail("missing field \"" + field + "\"");
        }
        return value;
    }

    /** A non-blank string. */
    String text(String field) {
        JsonNode value = required(field);
        if (!value.isTextual()) {
            throw fail("field \"" + field + "\" is not a string");
        }
        if (value.asText().isBlank()) {
            throw fail("field \"" + field + "\" is empty");
        }
        return value.asText();
    }

    /** A string or a number, as text (ids are either). */
    String scalar(String field) {
        JsonNode value = required(field);
        if (!value.isTextual() && !value.isNumber()) {
            throw fail("field \"" + field + "\" is not a string or a number");
        }
        return value.asText();
    }

    int integer(String field) {
        JsonNode value = required(field);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw fail("field \"" + field + "\" is not an integer");
        }
        return value.intValue();
    }

    JsonNode array(String field) {
        JsonNode value = required(field);
        if (!value.isArray()) {
            throw fail("field \"" + field + "\" is not an array");
        }
        return value;
    }

    /** An array of non-blank strings. */
    List<String> texts(String field) {
        List<String> texts = new ArrayList<>();
        JsonNode array = array(field);
        for (int i = 0; i < array.size(); i++) {
            JsonNode element = array.get(i);
            if (!element.isTextual() || element.asText().isBlank()) {
                throw fail("\"" + field + "\"[" + i + "] is not a non-empty string");
            }
            texts.add(element.asText());
        }
        return texts;
    }

    /** A number given as a JSON number or a numeric string, in {@link NumericAnswer} canonical form. */
    String number(JsonNode value, String what) {
        if (value.isNumber() || value.isTextual()) {
            String text = value.isNumber() ? value.decimalValue().toPlainString() : value.asText();
            String canonical = NumericAnswer.normalize(text);
            if (canonical != null) {
                return canonical;
            }
        }
        throw fail(what + " is not a number: " + value);
    }

    /** A nested object's fields. */
    Fields object(String field) {
        JsonNode value = required(field);
        if (!value.isObject()) {
            throw fail("field \"" + field + "\" is not an object");
        }
        return new Fields(value, source);
    }
}

package dev.lorapar.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorapar.tokenizer.ChatTurn;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Turns one JSON record into an {@link Example} according to a {@link RecordShape}; see there for the shapes. */
final class RecordParser {
    private final ReadOptions options;

    RecordParser(ReadOptions options) {
        this.options = options;
    }

    Example parse(JsonNode record, SourceLine source) throws MalformedRecordException {
        if (!record.isObject()) {
            throw new MalformedRecordException(MalformedReason.NOT_AN_OBJECT,
                    "the record is a JSON " + typeName(record) + ", not an object");
        }
        RecordShape shape = options.shape() == RecordShape.AUTO ? detect(record) : options.shape();
        return switch (shape) {
            case QUESTION_ANSWER -> single(record, source, "question", "answer");
            case PROMPT_COMPLETION -> single(record, source, "prompt", "completion");
            case FIELDS -> single(record, source, options.promptField(), options.answerField());
            case INSTRUCTION -> instruction(record, source);
            case MESSAGES -> dialog(record, source);
            case AUTO -> throw new AssertionError();
        };
    }

    private static RecordShape detect(JsonNode record) throws MalformedRecordException {
        if (record.has("messages") || record.has("conversations")) {
            return RecordShape.MESSAGES;
        } else if (record.has("instruction")) {
            return RecordShape.INSTRUCTION;
        } else if (record.has("prompt")) {
            return RecordShape.PROMPT_COMPLETION;
        } else if (record.has("question")) {
            return RecordShape.QUESTION_ANSWER;
        }
        List<String> names = new ArrayList<>();
        record.fieldNames().forEachRemaining(names::add);
        throw new MalformedRecordException(MalformedReason.UNKNOWN_SHAPE, "fields " + names + " match no known shape "
                + "(question/answer, instruction/input/output, prompt/completion, messages)");
    }

    private static Example single(JsonNode record, SourceLine source, String promptField, String answerField)
            throws MalformedRecordException {
        String prompt = requiredText(record, promptField);
        String answer = requiredText(record, answerField);
        checkPrompt(prompt, promptField);
        checkAnswer(answer, answerField);
        return new Example.SingleTurn(optionalText(record, "system"), prompt, answer, source);
    }

    /** Alpaca: the instruction, then a blank line and the input when there is one. */
    private static Example instruction(JsonNode record, SourceLine source) throws MalformedRecordException {
        String instruction = requiredText(record, "instruction");
        String input = optionalText(record, "input");
        String output = requiredText(record, "output");
        checkPrompt(instruction, "instruction");
        checkAnswer(output, "output");
        String prompt = input == null || input.isBlank() ? instruction : instruction + "\n\n" + input;
        return new Example.SingleTurn(optionalText(record, "system"), prompt, output, source);
    }

    private static Example dialog(JsonNode record, SourceLine source) throws MalformedRecordException {
        boolean shareGpt = !record.has("messages") && record.has("conversations");
        String listField = shareGpt ? "conversations" : "messages";
        JsonNode messages = record.get(listField);
        if (messages == null || messages.isNull()) {
            throw new MalformedRecordException(MalformedReason.MISSING_FIELD, "no field '" + listField + "'");
        }
        if (!messages.isArray()) {
            throw new MalformedRecordException(MalformedReason.WRONG_TYPE,
                    "'" + listField + "' is a " + typeName(messages) + ", not an array");
        }
        String roleField = shareGpt ? "from" : "role";
        String contentField = shareGpt ? "value" : "content";
        String system = null;
        List<ChatTurn> turns = new ArrayList<>();
        String pendingUser = null;
        int index = 0;
        for (Iterator<JsonNode> it = messages.elements(); it.hasNext(); index++) {
            JsonNode message = it.next();
            String where = listField + "[" + index + "]";
            if (!message.isObject()) {
                throw new MalformedRecordException(MalformedReason.WRONG_TYPE,
                        where + " is a " + typeName(message) + ", not an object");
            }
            String role = requiredText(message, roleField, where + ".");
            String content = requiredText(message, contentField, where + ".");
            switch (role) {
                case "system" -> {
                    if (index != 0) {
                        throw new MalformedRecordException(MalformedReason.BAD_DIALOG,
                                where + ": a system message may only come first");
                    }
                    system = content;
                }
                case "user", "human" -> {
                    if (pendingUser != null) {
                        throw new MalformedRecordException(MalformedReason.BAD_DIALOG,
                                where + ": two user messages in a row (roles must alternate)");
                    }
                    checkPrompt(content, where + "." + contentField);
                    pendingUser = content;
                }
                case "assistant", "gpt" -> {
                    if (pendingUser == null) {
                        throw new MalformedRecordException(MalformedReason.BAD_DIALOG,
                                where + ": an assistant message without a user message before it");
                    }
                    checkAnswer(content, where + "." + contentField);
                    turns.add(new ChatTurn(pendingUser, content));
                    pendingUser = null;
                }
                default -> throw new MalformedRecordException(MalformedReason.BAD_DIALOG,
                        where + ": unknown role '" + role + "' (system, user, assistant)");
            }
        }
        if (pendingUser != null) {
            throw new MalformedRecordException(MalformedReason.BAD_DIALOG,
                    "the last message is a user message without an answer");
        }
        if (turns.isEmpty()) {
            throw new MalformedRecordException(MalformedReason.BAD_DIALOG, "no user/assistant exchange");
        }
        return new Example.Dialog(system, turns, source);
    }

    private static String requiredText(JsonNode object, String field) throws MalformedRecordException {
        return requiredText(object, field, "");
    }

    private static String requiredText(JsonNode object, String field, String prefix) throws MalformedRecordException {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            throw new MalformedRecordException(MalformedReason.MISSING_FIELD, "no field '" + prefix + field + "'");
        }
        if (!value.isTextual()) {
            throw new MalformedRecordException(MalformedReason.WRONG_TYPE,
                    "'" + prefix + field + "' is a " + typeName(value) + ", not a string");
        }
        return value.textValue();
    }

    /** The text of an optional field; null when absent or null. */
    private static String optionalText(JsonNode object, String field) throws MalformedRecordException {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new MalformedRecordException(MalformedReason.WRONG_TYPE,
                    "'" + field + "' is a " + typeName(value) + ", not a string");
        }
        return value.textValue();
    }

    private static void checkPrompt(String text, String field) throws MalformedRecordException {
        if (text.isBlank()) {
            throw new MalformedRecordException(MalformedReason.EMPTY_PROMPT, "'" + field + "' is empty");
        }
    }

    private static void checkAnswer(String text, String field) throws MalformedRecordException {
        if (text.isBlank()) {
            throw new MalformedRecordException(MalformedReason.EMPTY_ANSWER, "'" + field + "' is empty");
        }
    }

    private static String typeName(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "array";
            case BOOLEAN -> "boolean";
            case NUMBER -> "number";
            case OBJECT -> "object";
            case STRING -> "string";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}

package dev.lorapar.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The JSON bodies of OpenAI responses: completions, chat completions, their stream chunks, models and errors. */
final class OpenAiResponses {
    static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiResponses() {
    }

    static ObjectNode error(ApiException e) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type);
        if (e.param == null) err.putNull("param"); else err.put("param", e.param);
        if (e.code == null) err.putNull("code"); else err.put("code", e.code);
        return root;
    }

    static ObjectNode head(ParsedRequest q, String id, long created, boolean chunk) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", q.chat() ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
        root.put("created", created);
        root.put("model", q.model());
        return root;
    }

    static ObjectNode usage(int prompt, int completion) {
        ObjectNode u = JSON.createObjectNode();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        return u;
    }

    /** The whole (non-streamed) response of every choice. */
    static ObjectNode full(ParsedRequest q, String id, long created, List<Completion> choices, Tokenizer tok) {
        ObjectNode root = head(q, id, created, false);
        ArrayNode arr = root.putArray("choices");
        int generated = 0;
        for (int i = 0; i < choices.size(); i++) {
            Completion c = choices.get(i);
            generated += c.completionTokens();
            ObjectNode ch = arr.addObject();
            ch.put("index", i);
            if (q.chat()) {
                ObjectNode m = ch.putObject("message");
                m.put("role", "assistant");
                m.put("content", c.text());
            } else {
                ch.put("text", c.text());
            }
            if (c.logprobs() != null) {
                ch.set("logprobs", logprobs(q.chat(), c.tokens(), c.logprobs(), tok));
            } else {
                ch.putNull("logprobs");
            }
            ch.put("finish_reason", c.finishReason().openAi());
        }
        root.set("usage", usage(q.prompt().length, generated));
        return root;
    }

    /** Chat: {"content": [{token, logprob, bytes, top_logprobs}]}; completions: {tokens, token_logprobs, …}. */
    static ObjectNode logprobs(boolean chat, int[] tokens, float[] logprobs, Tokenizer tok) {
        ObjectNode lp = JSON.createObjectNode();
        if (chat) {
            ArrayNode content = lp.putArray("content");
            for (int i = 0; i < tokens.length; i++) {
                ObjectNode t = content.addObject();
                String piece = tok.decodePiece(-1, tokens[i]);
                t.put("token", piece);
                t.put("logprob", logprobs[i]);
                ArrayNode bytes = t.putArray("bytes");
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
                t.putArray("top_logprobs");
            }
        } else {
            ArrayNode toks = lp.putArray("tokens"), vals = lp.putArray("token_logprobs");
            for (int i = 0; i < tokens.length; i++) {
                toks.add(tok.decodePiece(-1, tokens[i]));
                vals.add(logprobs[i]);
            }
            lp.putNull("top_logprobs");
        }
        return lp;
    }

    /** One stream chunk of choice {@code index}: a text delta (chat: the role on the first), or the finish. */
    static ObjectNode chunk(ParsedRequest q, String id, long created, int index, String text, boolean first,
                            FinishReason finish, Integer token, float logprob, Tokenizer tok) {
        ObjectNode root = head(q, id, created, true);
        ObjectNode ch = root.putArray("choices").addObject();
        ch.put("index", index);
        if (q.chat()) {
            ObjectNode d = ch.putObject("delta");
            if (first) d.put("role", "assistant");
            if (text != null) d.put("content", text);
        } else {
            ch.put("text", text == null ? "" : text);
        }
        if (q.logprobs() && token != null && token >= 0) {
            ch.set("logprobs", logprobs(q.chat(), new int[] {token}, new float[] {logprob}, tok));
        } else {
            ch.putNull("logprobs");
        }
        if (finish == null) ch.putNull("finish_reason"); else ch.put("finish_reason", finish.openAi());
        return root;
    }

    static ObjectNode models(ServingEngine engine, long created) {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        model(data, engine.modelName(), created, null);
        for (String a : engine.adapterNames()) {
            model(data, engine.modelName() + ":" + a, created, engine.modelName());
        }
        return root;
    }

    private static void model(ArrayNode data, String id, long created, String parent) {
        ObjectNode m = data.addObject();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "lorapar");
        if (parent != null) m.put("parent", parent);
    }
}

package dev.lorapar.pipeline.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The append-only JSONL record of every teacher call, one object per line, each line written, flushed and fsynced
 * before the call counts as done — so a crash or a rerun never repeats a finished call. A record:
 * <pre>{"item": id, "index": i, "teacher": name, "teacher_key": sha, "attempt": 1|2, "raw": text|null,
 *  "label": "System1"|"System2"|null, "status": "ok"|"unparseable"|"abstain"|"error", "error": text?,
 *  "final": bool, "ms": n}</pre>
 * {@code final} marks the vote of (item, teacher_key): ok, abstain (unparseable twice) or error (the call failed
 * after its retries). An unparseable first answer is a non-final record: a rerun asks only the retry.
 * On opening, a last line cut short by a crash (no newline, or not JSON) is tolerated, reported and cut off the file;
 * a bad line anywhere else is an error naming its line number.
 */
public final class VoteJournal implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final Map<String, List<JsonNode>> byCall = new HashMap<>(); // item|teacher_key → records in order
    private final String truncationNote;
    private long appended;

    private VoteJournal(Path file, FileChannel channel, String truncationNote) {
        this.file = file;
        this.channel = channel;
        this.truncationNote = truncationNote;
    }

    /** Opens (creating) the journal and reads what it holds. */
    public static VoteJournal open(Path file) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            byte[] bytes = Files.readAllBytes(file);
            List<JsonNode> records = new ArrayList<>();
            String note = null;
            int start = 0, line = 0;
            long keep = 0;
            while (start < bytes.length) {
                line++;
                int nl = start;
                while (nl < bytes.length && bytes[nl] != '\n') nl++;
                boolean complete = nl < bytes.length, lastLine = !complete || nl == bytes.length - 1;
                String text = new String(bytes, start, nl - start, StandardCharsets.UTF_8);
                JsonNode node = null;
                boolean readable = text.isBlank();
                if (!readable) {
                    try {
                        node = JSON.readTree(text);
                        readable = node != null && node.isObject();
                    } catch (IOException e) {
                        readable = false;
                    }
                }
                if (!complete || !readable) {
                    if (lastLine) { // cut short by a crash: the call it would record was not finished
                        note = file + ":" + line + ": last line cut short (" + (nl - start) + " bytes, "
                                + (complete ? "not JSON" : "no newline") + ") — ignored and removed";
                        break;
                    }
                    throw new IOException(file + ":" + line + ": not a JSON object record");
                }
                if (node != null) {
                    if (!node.hasNonNull("item") || !node.hasNonNull("teacher_key")) {
                        throw new IOException(file + ":" + line + ": record lacks item / teacher_key");
                    }
                    records.add(node);
                }
                keep = nl + 1L;
                start = nl + 1;
            }
            if (keep < bytes.length) ch.truncate(keep);
            ch.position(Math.min(keep, bytes.length));
            VoteJournal j = new VoteJournal(file, ch, note);
            for (JsonNode r : records) j.index(r);
            return j;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private void index(JsonNode r) {
        byCall.computeIfAbsent(callKey(r.get("item").asText(), r.get("teacher_key").asText()), k -> new ArrayList<>()).add(r);
    }

    static String callKey(String item, String teacherKey) {
        return item + "|" + teacherKey;
    }

    /** A note when the last line was cut short (null when not). */
    public String truncationNote() {
        return truncationNote;
    }

    public Path file() {
        return file;
    }

    /** The records of (item, teacher key), oldest first (empty when never asked). */
    public synchronized List<JsonNode> records(String item, String teacherKey) {
        return List.copyOf(byCall.getOrDefault(callKey(item, teacherKey), List.of()));
    }

    /** The latest final record of (item, teacher key), or null. */
    public synchronized JsonNode finalRecord(String item, String teacherKey) {
        JsonNode found = null;
        for (JsonNode r : byCall.getOrDefault(callKey(item, teacherKey), List.of())) {
            if (r.path("final").asBoolean()) found = r;
        }
        return found;
    }

    /** Appends one record: written, flushed and fsynced before returning. */
    public synchronized void append(ObjectNode record) throws IOException {
        byte[] line = (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.wrap(line);
        while (b.hasRemaining()) channel.write(b);
        channel.force(false);
        index(record);
        appended++;
    }

    /** Records appended by this process. */
    public synchronized long appended() {
        return appended;
    }

    static ObjectNode record() {
        return JSON.createObjectNode();
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}

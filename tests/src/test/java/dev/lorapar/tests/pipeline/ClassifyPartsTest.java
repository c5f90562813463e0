package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorapar.pipeline.classify.Agreement;
import dev.lorapar.pipeline.classify.ClassifyRun;
import dev.lorapar.pipeline.classify.Item;
import dev.lorapar.pipeline.classify.Label;
import dev.lorapar.pipeline.classify.LocalVoter;
import dev.lorapar.pipeline.classify.Prompts;
import dev.lorapar.pipeline.classify.VoteJournal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pieces of classify: strict parsing, majority and tie rule, Fleiss' κ and agreement, local voters, journal. */
class ClassifyPartsTest {
    @Test
    void strictParsing() {
        for (String s : List.of("System1", "system1", "SYSTEM 1", "System-1.", "**System1**", "`System_1`",
                "\"System1\"", "Answer: System1", "I think it needs recall.\nSystem1", "  System1  \n\n")) {
            assertEquals(Optional.of(Label.SYSTEM1), Label.parse(s), s);
        }
        assertEquals(Optional.of(Label.SYSTEM2), Label.parse("Label: system2"));
        for (String s : List.of("", "banana", "System3", "System1 or System2", "System12", "It is System1 because",
                "System2\nno wait", "Systems1")) {
            assertEquals(Optional.empty(), Label.parse(s), "'" + s + "' must be unparseable");
        }
        assertEquals(Optional.empty(), Label.parse(null));
    }

    @Test
    void majorityAndTieRule() {
        Label s1 = Label.SYSTEM1, s2 = Label.SYSTEM2;
        assertEquals(s1, ClassifyRun.majority(new Label[] {s1, s1, s2}, s2));
        assertEquals(s2, ClassifyRun.majority(new Label[] {s1, s2, s2}, s1));
        assertEquals(s1, ClassifyRun.majority(new Label[] {s1, null, null}, s2), "abstentions do not count");
        assertEquals(s2, ClassifyRun.majority(new Label[] {s1, s2, null}, s2), "tie → tie label");
        assertEquals(s1, ClassifyRun.majority(new Label[] {s1, s2}, s1), "tie → tie label");
        assertEquals(s2, ClassifyRun.majority(new Label[] {null, null, null}, s2), "no vote → tie label");
    }

    /** The example of Fleiss (1971) as Wikipedia works it: 10 items, 14 raters, 5 categories, κ = 0.210. */
    @Test
    void fleissKappaTextbookExample() {
        int[][] counts = {{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
                {7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7}};
        // P̄ = 0.378022, P̄e = 0.212755 (hand: p_j = 20/140, 28/140, 39/140, 21/140, 32/140)
        double pBar = 0.378021978021978, pe = (20 * 20 + 28 * 28 + 39 * 39 + 21 * 21 + 32 * 32) / (140.0 * 140.0);
        assertEquals((pBar - pe) / (1 - pe), Agreement.fleissKappa(counts), 1e-12);
        assertEquals(0.210, Agreement.fleissKappa(counts), 5e-4);
    }

    @Test
    void fleissKappaByHand() {
        // 3 items, 3 raters: P_i = 1, 1/3, 1 → P̄ = 7/9; p = 5/9, 4/9 → P̄e = 41/81; κ = 22/40
        assertEquals(0.55, Agreement.fleissKappa(new int[][] {{3, 0}, {2, 1}, {0, 3}}), 1e-12);
        assertEquals(1.0, Agreement.fleissKappa(new int[][] {{2, 0}, {0, 2}}), 1e-12, "perfect agreement");
        assertEquals(-1.0, Agreement.fleissKappa(new int[][] {{1, 1}, {1, 1}}), 1e-12, "2 raters always split");
        assertTrue(Double.isNaN(Agreement.fleissKappa(new int[][] {{2, 0}, {2, 0}})), "one category only: undefined");
        assertThrows(IllegalArgumentException.class, () -> Agreement.fleissKappa(new int[][] {{2, 0}, {1, 0}}));
    }

    @Test
    void agreementStatistics() {
        Label a = Label.SYSTEM1, b = Label.SYSTEM2;
        List<Label[]> votes = List.of(new Label[] {a, a, a}, new Label[] {a, b, null}, new Label[] {b, b, b},
                new Label[] {b, a, b});
        List<Label> finals = List.of(a, b, b, b);
        JsonNode j = Agreement.json(List.of("x", "y", "z"), votes, finals);
        assertEquals(0.5, j.at("/voters/x/system1_share").asDouble(), 1e-12);
        assertEquals(0.25, j.at("/voters/z/abstain_share").asDouble(), 1e-12);
        assertEquals(2.0 / 4, j.at("/pairwise/0/agreement").asDouble(), 1e-12, "x,y agree on items 0 and 2");
        assertEquals(3, j.at("/pairwise/1/items_both_labelled").asLong(), "x,z: item 1 has no z vote");
        assertEquals(1.0, j.at("/pairwise/1/agreement").asDouble(), 1e-12);
        assertEquals(3, j.get("fleiss_items").asInt());
        // items 0, 2, 3 with counts {3,0}, {0,3}, {1,2}: P̄ = (1 + 1 + 1/3)/3 = 7/9, p = 4/9, 5/9 → κ = 0.55
        assertEquals(0.55, j.get("fleiss_kappa").asDouble(), 1e-12);
        assertEquals(3.0 / 4, j.at("/voters/y/agrees_with_final").asDouble(), 1e-12);
    }

    @Test
    void localVotersCountWhatTheySay() {
        LocalVoter steps = LocalVoter.of(LocalVoter.Kind.STEPS), eq = LocalVoter.of(LocalVoter.Kind.EQUATIONS),
                sent = LocalVoter.of(LocalVoter.Kind.SENTENCES);
        String gsm = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nIn total she sold 48+24 = <<48+24=72>>72 clips.\n#### 72";
        assertEquals(2, steps.count(gsm), "two reasoning lines, the #### line not counted");
        assertEquals(2, eq.count(gsm), "48/2 = 24 and 48+24 = 72; the <<…>> annotations repeat them");
        assertEquals(3, eq.count("3 * 4 = 12, (12) = $12 and 5-1=4"));
        assertEquals(3, sent.count(gsm), "two sentences and the unterminated #### line");
        assertEquals(1, sent.count("The answer is 3.5 apples."), "a decimal point ends no sentence");
        assertEquals(3, sent.count("One. Two! Three?"));
        assertEquals(0, eq.count("x = y and a=b"), "'=' between words is no equation");
        Item item = Item.of(0, "t:1", "q", gsm);
        assertEquals(Optional.of(Label.SYSTEM2), Label.parse(eq.ask(item, List.of())));
        assertEquals(Optional.of(Label.SYSTEM1), Label.parse(steps.ask(item, List.of())), "2 steps < threshold 3");
    }

    @Test
    void promptsCarryTheRolePlayAndTheFormat() {
        Item item = Item.of(0, "t:1", "What is 2+2?", "4");
        String user = Prompts.user(item, true, "LLaMA-2 13B");
        assertTrue(user.contains("LLaMA-2 13B") && user.contains("What is 2+2?") && user.contains("System1 or System2"));
        assertTrue(Prompts.system(true, "LLaMA-2 13B").contains("You are LLaMA-2 13B"));
        assertTrue(!Prompts.system(false, "LLaMA-2 13B").contains("LLaMA") && !Prompts.user(item, false, "X").contains("X)"));
        assertEquals(Item.of(5, "other:9", "What is 2+2?", "4").id(), item.id(), "id from the content only");
    }

    @Test
    void journalToleratesACutLastLineAndNamesABadOne(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("j.jsonl");
        try (VoteJournal j = VoteJournal.open(f)) {
            var r = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            r.put("item", "i1").put("teacher_key", "t").put("label", "System1").put("final", true);
            j.append(r);
            assertNull(j.truncationNote());
        }
        Files.writeString(f, "{\"item\": \"i2\", \"teach", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (VoteJournal j = VoteJournal.open(f)) {
            assertTrue(j.truncationNote() != null && j.truncationNote().contains("j.jsonl:2"), j.truncationNote());
            assertEquals("System1", j.finalRecord("i1", "t").get("label").asText());
            assertNull(j.finalRecord("i2", "t"));
            var r = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            r.put("item", "i3").put("teacher_key", "t").put("final", true);
            j.append(r);
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals(2, lines.size(), "the cut line was removed before appending: " + lines);
        try (VoteJournal j = VoteJournal.open(f)) {
            assertNull(j.truncationNote());
        }
        Files.writeString(f, "not json\n" + String.join("\n", lines) + "\n");
        var e = assertThrows(IOException.class, () -> VoteJournal.open(f));
        assertTrue(e.getMessage().contains("j.jsonl:1"), e.getMessage());
    }
}

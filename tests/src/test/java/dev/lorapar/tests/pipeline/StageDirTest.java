package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.pipeline.stage.StageDir;
import dev.lorapar.pipeline.stage.StageKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stage keys (content, not path; settings by text; order-free) and the manifest's completion rule. */
class StageDirTest {
    @Test
    void keyDependsOnContentAndSettingsNotOnPathOrOrder(@TempDir Path dir) throws IOException {
        Path a = Files.writeString(dir.resolve("a.txt"), "hello"), b = Files.writeString(dir.resolve("b.txt"), "hello");
        String k1 = StageKey.of("x").file("data", a).setting("theta", 0.9).setting("seed", 1).hash();
        String k2 = StageKey.of("x").setting("seed", 1).setting("theta", 0.9).file("data", b).hash();
        assertEquals(k1, k2, "same content under another path, settings in another order");
        assertNotEquals(k1, StageKey.of("x").file("data", a).setting("theta", 0.5).setting("seed", 1).hash());
        assertNotEquals(k1, StageKey.of("y").file("data", a).setting("theta", 0.9).setting("seed", 1).hash());
        Files.writeString(b, "hello!");
        assertNotEquals(k1, StageKey.of("x").file("data", b).setting("theta", 0.9).setting("seed", 1).hash());
        assertEquals(StageKey.of("x").fileHash("m", "abc").canonical(), "stage x\nfile m abc\n");
        assertThrows(IllegalArgumentException.class, () -> StageKey.of("x").setting("a", 1).setting("a", 2));
        assertThrows(IllegalArgumentException.class, () -> StageKey.of("bad name"));
    }

    @Test
    void completeOnlyAfterManifestAndWhileOutputsAreUnchanged(@TempDir Path dir) throws IOException {
        StageDir stage = StageDir.of(dir, StageKey.of("s").setting("theta", 0.9));
        assertFalse(stage.complete());
        Path d = stage.create();
        Files.writeString(d.resolve("out.txt"), "result");
        assertFalse(stage.complete(), "outputs without a manifest: a killed stage");
        assertThrows(IOException.class, () -> stage.finish(List.of("missing.txt"), null));
        stage.finish(List.of("out.txt"), null);
        assertTrue(stage.complete());
        assertTrue(d.getFileName().toString().startsWith("s-"));
        assertEquals(64, stage.outputHash("out.txt").length());
        Files.writeString(d.resolve("out.txt"), "edited");
        assertFalse(stage.complete(), "an edited output invalidates the stage");
        Files.writeString(d.resolve("out.txt"), "result");
        assertTrue(stage.complete());
        Files.writeString(d.resolve(StageDir.MANIFEST), "{\"format\": \"lorapar-stage/1\", \"key\": \"other\"}");
        assertFalse(stage.complete(), "a manifest of another key");
        Files.writeString(d.resolve(StageDir.MANIFEST), "{trunc");
        assertFalse(stage.complete(), "an unreadable manifest");
        assertFalse(Files.exists(d.resolve(StageDir.MANIFEST + ".tmp")));
    }
}

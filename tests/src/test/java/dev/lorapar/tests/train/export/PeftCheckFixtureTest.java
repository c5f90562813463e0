package dev.lorapar.tests.train.export;

import static dev.lorapar.tests.train.export.ExportModels.CPU;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.core.DType;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftImport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cases for {@code tests/gpu/peft_check.py} ({@link PeftCheckFixture}) are complete and consistent: every file
 * case.json names is there with the right size, and lorapar itself reproduces the logits it wrote from the base and
 * adapter folders as a Hugging Face user would load them (the adapter on the HF base, not on lorapar's source
 * weights). With {@code -Dlorapar.peft.fixture.out=DIR} the cases are written to DIR for the GPU check.
 */
class PeftCheckFixtureTest {
    static final ObjectMapper JSON = new ObjectMapper();
    public static final String OUT_PROPERTY = "lorapar.peft.fixture.out";

    @Test
    void casesAreCompleteAndConsistent(TestInfo info, @TempDir Path tmp) throws IOException {
        Rng rng = Rng.forTest(info);
        String given = System.getProperty(OUT_PROPERTY);
        Path out = given == null || given.isBlank() ? tmp : Path.of(given);
        List<String> names = PeftCheckFixture.write(out, rng);
        assertTrue(names.size() >= 3, names.toString());
        JsonNode list = JSON.readTree(out.resolve("cases.json").toFile());
        assertEquals(names.size(), list.get("cases").size());
        for (String name : names) {
            Path dir = out.resolve(name);
            JsonNode c = JSON.readTree(dir.resolve("case.json").toFile());
            assertEquals(PeftCheckFixture.FORMAT, c.get("format").asText());
            int batch = c.get("tokens").size(), seq = c.get("tokens").get(0).size(), vocab = c.get("vocab").asInt();
            int[][] tokens = new int[batch][seq];
            for (int b = 0; b < batch; b++) for (int s = 0; s < seq; s++) tokens[b][s] = c.get("tokens").get(b).get(s).asInt();
            for (String key : new String[] {"base_logits", "adapter_logits", "merged_logits"}) {
                assertEquals(4L * batch * seq * vocab, Files.size(dir.resolve(c.get(key).asText())), name + " " + key);
            }
            for (String folder : new String[] {"base", "merged"}) {
                assertTrue(Files.isRegularFile(dir.resolve(c.get(folder).asText()).resolve("config.json")), name + " " + folder);
            }
            assertTrue(Files.isRegularFile(dir.resolve("adapter/adapter_config.json")), name);
            try (Checkpoint ckpt = Checkpoints.open(dir.resolve("base"));
                 LlamaWeights hf = LlamaWeights.upload(ckpt, CPU, DType.F32);
                 ImportedAdapter peft = PeftImport.read(dir.resolve("adapter"), hf, CPU)) {
                float[] adapted = PeftCheckFixture.readF32(dir.resolve("adapter_logits.f32"));
                float[] base = PeftCheckFixture.readF32(dir.resolve("base_logits.f32"));
                Numerics.assertClose(name + " adapter on the HF base", ExportModels.logits(hf, peft.adapter(), tokens), adapted,
                        1e-5, rng.tag());
                Numerics.assertClose(name + " merged", PeftCheckFixture.readF32(dir.resolve("merged_logits.f32")), adapted,
                        c.get("export_dtype").asText().equals("float32") ? 1e-5 : 2e-2, rng.tag());
                assertTrue(Numerics.relativeError(base, adapted) > 1e-3, name + ": the adapter must change the logits "
                        + "(else the GPU check could pass with the adapter ignored)");
                peft.adapter().restoreBase(CPU);
            }
            try (Checkpoint ckpt = Checkpoints.open(dir.resolve("base"));
                 LlamaWeights hf = LlamaWeights.upload(ckpt, CPU, DType.F32);
                 ImportedAdapter plain = PeftImport.readPlain(dir.resolve("adapter"), hf, CPU)) {
                // what PEFT computes: the folder's tensors as a plain LoRA on the HF base (a converted PiSSA included)
                Numerics.assertClose(name + " plain LoRA on the HF base", ExportModels.logits(hf, plain.adapter(), tokens),
                        PeftCheckFixture.readF32(dir.resolve("adapter_logits.f32")), 2e-5, rng.tag());
            }
        }
    }
}

package dev.lorapar.tests.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.GenerationResult;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.Sampling;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.model.GeneratorTest;
import dev.lorapar.tests.model.ReferenceCheckpointTest;
import dev.lorapar.tests.support.Backends;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Generation on CUDA: the trained checkpoints' reference greedy ids with the decode step in a CUDA graph (F32), and
 * graph replay giving exactly what eager decoding gives (bf16, sampled with seeds, a LoRA adapter on, prompts of
 * different lengths).
 */
@Tag("gpu")
class GpuGeneratorTest {
    @BeforeEach
    void requireCuda() {
        Backends.assumeCuda();
    }

    @Test
    void referenceGreedyIdsWithCudaGraphs() {
        GeneratorTest.referenceGreedy(Backends.gpu(), DType.F32, true);
        GeneratorTest.referenceGreedy(Backends.gpu(), DType.F32, false);
    }

    @Test
    void graphReplayEqualsEagerDecoding() {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require("llama2c-stories260K/stories260K.bin"));
             Stream s = Stream.create(Backends.gpu());
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.BF16);
             LoraAdapter adapter = LoraAdapter.create(w, LoraConfig.allProjections(4, 8, 3)
                     .withInit(new LoraInit.Gaussian(0.02)), s);
             LlamaGenerator graph = LlamaGenerator.create(w, s, new LlamaGenerator.Options(5, 96, true), null);
             LlamaGenerator eager = LlamaGenerator.create(w, s, new LlamaGenerator.Options(5, 96, false), null)) {
            List<GenerationRequest> requests = new ArrayList<>();
            int[] story = ReferenceCheckpointTest.STORIES_IDS;
            for (int r = 0; r < 5; r++) {
                int[] prompt = new int[1 + 3 * r];
                prompt[0] = ReferenceCheckpointTest.BOS;
                System.arraycopy(story, 0, prompt, 1, prompt.length - 1);
                Sampling sampling = r == 0 ? Sampling.greedy() : Sampling.of(0.8f, 20 * r, 0.95f, 1000L * r + (1L << 40));
                requests.add(new GenerationRequest(prompt, 48, sampling, null, null));
            }
            for (LoraAdapter a : new LoraAdapter[] {adapter, null}) {
                List<GenerationResult> g = graph.generate(requests, a), e = eager.generate(requests, a);
                for (int r = 0; r < requests.size(); r++) {
                    assertArrayEquals(e.get(r).tokens(), g.get(r).tokens(), "request " + r + (a == null ? " no adapter" : ""));
                }
            }
        }
    }
}

package dev.lorapar.tests.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.GenerationResult;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.model.ContinuousDecoderTest;
import dev.lorapar.tests.model.ReferenceCheckpointTest;
import dev.lorapar.tests.support.Backends;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching on CUDA (decode steps replayed as CUDA graphs per power-of-two batch, F32 stories260K): requests
 * joining mid-way, leaving, reusing rows and alternating between an adapter and the base model give LlamaGenerator's
 * greedy tokens for each request alone.
 */
@Tag("gpu")
class GpuContinuousDecoderTest {
    @BeforeEach
    void requireCuda() {
        Backends.assumeCuda();
    }

    @Test
    void staggeredJoinsWithGraphsMatchRequestsAlone() {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require("llama2c-stories260K/stories260K.bin"));
             Stream s = Stream.create(Backends.gpu());
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter adapter = LoraAdapter.create(w, LoraConfig.allProjections(4, 8, 3)
                     .withInit(new LoraInit.Gaussian(0.02)), s)) {
            int[] story = ReferenceCheckpointTest.STORIES_IDS;
            List<GenerationRequest> requests = new ArrayList<>();
            List<LoraAdapter> adapters = new ArrayList<>();
            for (int r = 0; r < 9; r++) {
                int[] prompt = new int[1 + 2 * r];
                prompt[0] = ReferenceCheckpointTest.BOS;
                System.arraycopy(story, 0, prompt, 1, prompt.length - 1);
                requests.add(GenerationRequest.greedy(prompt, 10 + 7 * (r % 4)));
                adapters.add(r % 3 == 0 ? adapter : null);
            }
            int[] joinAfter = {0, 0, 2, 3, 3, 7, 8, 12, 20};
            List<GenerationResult> alone = ContinuousDecoderTest.alone(w, s, requests, adapters, 64);
            List<GenerationResult> batched = ContinuousDecoderTest.staggered(w, s, requests, adapters, joinAfter, 5, 64);
            for (int r = 0; r < requests.size(); r++) {
                assertArrayEquals(alone.get(r).tokens(), batched.get(r).tokens(), "request " + r);
            }
        }
    }
}

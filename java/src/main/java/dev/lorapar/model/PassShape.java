package dev.lorapar.model;

import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;

/**
 * What every layer of one pass shares: the stream, the config, the batch shape (T = batch·seq rows), the RoPE
 * positions [T] I32, the packed-segment ids [batch×seq] I32 (nullable) and the LoRA binding.
 */
record PassShape(Stream stream, LlamaConfig config, int batch, int seq, Tensor positions, Tensor segmentIds,
                 LoraBinding lora) {
    int tokens() {
        return batch * seq;
    }

    float attentionScale() {
        return (float) (1.0 / Math.sqrt(config.headDim()));
    }

    float eps() {
        return (float) config.normEps();
    }
}

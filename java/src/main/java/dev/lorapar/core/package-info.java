/**
 * The Java API of the lorapar tensor core: {@link dev.lorapar.core.Device devices},
 * {@link dev.lorapar.core.Stream streams}, {@link dev.lorapar.core.Event events},
 * {@link dev.lorapar.core.Tensor tensors} (deterministic owners of native buffers) and the
 * {@link dev.lorapar.core.Ops operations} of LoRA-PAR fine-tuning (GEMM, masked LoRA matmuls,
 * Taylor importance, masked AdamW, partition selection), reached through the C ABI of
 * {@code native/include/lorapar.h}. Run with {@code --enable-native-access=ALL-UNNAMED}.
 */
package dev.lorapar.core;

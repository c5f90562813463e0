/**
 * Loading LLaMA checkpoints: Hugging Face safetensors folders, llama2.c {@code .bin} files and GGUF v3
 * files, memory-mapped and validated, into a {@link dev.lorapar.model.io.Checkpoint} whose tensors carry
 * the canonical Hugging Face names. Every malformed input ends in a
 * {@link dev.lorapar.model.io.CheckpointException} naming the file and tensor.
 */
package dev.lorapar.model.io;

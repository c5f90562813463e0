/**
 * LLaMA-2 tokenization: one SentencePiece-BPE {@link dev.lorapar.tokenizer.Tokenizer} loaded from any of
 * the four formats a LLaMA vocabulary ships in ({@link dev.lorapar.tokenizer.SentencePieceModelLoader
 * tokenizer.model}, {@link dev.lorapar.tokenizer.Llama2cTokenizerLoader llama2.c tokenizer.bin},
 * {@link dev.lorapar.tokenizer.HfTokenizerJsonLoader Hugging Face tokenizer.json},
 * {@link dev.lorapar.tokenizer.GgufVocabularyLoader GGUF metadata}), streaming decoding
 * ({@link dev.lorapar.tokenizer.StreamingDecoder}), and the {@link dev.lorapar.tokenizer.PromptFormat prompt
 * formats} that turn (question, answer) pairs into training sequences with the answer's start marked.
 * Pure Java, no native code.
 */
package dev.lorapar.tokenizer;

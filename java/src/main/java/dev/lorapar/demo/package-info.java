/**
 * The built-in demo's assets: a seeded synthetic System-1 / System-2 benchmark over a generated world
 * ({@link dev.lorapar.demo.TaskGenerator}), a BPE tokenizer learnt for it ({@link dev.lorapar.demo.BpeTrainer},
 * {@link dev.lorapar.demo.TokenizerJsonWriter}), a tiny LLaMA base that lorapar pretrains itself
 * ({@link dev.lorapar.demo.BasePretrainer}), all cached by {@link dev.lorapar.demo.DemoAssets}, and the test
 * accuracy of a model on the benchmark ({@link dev.lorapar.demo.DemoAccuracy}).
 */
package dev.lorapar.demo;

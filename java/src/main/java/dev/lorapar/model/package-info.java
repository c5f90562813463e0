/** The LLaMA-2 model layer: its configuration ({@link dev.lorapar.model.LlamaConfig}) and, in sub-packages, loading. */
package dev.lorapar.model;

/**
 * Interchange with Hugging Face tools: a {@link dev.lorapar.model.LoraAdapter} written as a PEFT adapter folder
 * ({@link PeftExport}) and read back from one ({@link PeftImport}), LoRA-PAR masks saved beside it
 * ({@link MaskFiles}), and the merged model (W + scale·B·A) written as a Hugging Face LlamaForCausalLM checkpoint
 * folder ({@link MergedModelExport}). The safetensors files are composed here ({@link SafetensorsWriter}).
 */
package dev.lorapar.train.export;

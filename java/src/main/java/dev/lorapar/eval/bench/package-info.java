/**
 * Evaluation benchmarks (issue 7): loaders that validate each dataset file of {@code shared/data} and name the bad
 * record ({@link dev.lorapar.eval.bench.Benchmark#load}), prompts (zero- and few-shot, multiple choice by
 * log-likelihood or generation, or the method's {@code <s>{q}</s>}), answer extraction and normalisation per answer
 * kind, and accuracy aggregation (per subject, macro and micro, unparseable counts).
 */
package dev.lorapar.eval.bench;

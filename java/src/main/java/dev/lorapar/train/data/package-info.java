/**
 * The SFT data pipeline: {@link dev.lorapar.train.data.DataReader} reads JSON / JSONL files of the common shapes
 * into {@link dev.lorapar.train.data.Example}s (malformed records counted and reported with their lines, skipped or
 * fatal); {@link dev.lorapar.train.data.HeldOutSplit} holds out eval examples by seed;
 * {@link dev.lorapar.train.data.SampleEncoder} tokenises them with a prompt format into
 * {@link dev.lorapar.train.data.Sample}s with the loss on answer tokens only, truncated to a maximum length;
 * {@link dev.lorapar.train.data.BatchPlan} shuffles by seed, buckets by length or packs, pads, and resumes from a
 * {@link dev.lorapar.train.data.DataPosition}. {@link dev.lorapar.train.data.SftData#load} runs the whole chain;
 * {@link dev.lorapar.train.data.DataSummary} reports it.
 */
package dev.lorapar.train.data;

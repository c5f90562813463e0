/**
 * Serving: an embeddable, thread-safe generation engine ({@link dev.lorapar.serve.ServingEngine}) and the
 * OpenAI-compatible HTTP server of {@code lorapar serve} ({@link dev.lorapar.serve.ServeMain}) built on it.
 *
 * <p>All callers share one decoding loop thread that owns the model, the KV-cache pool
 * ({@link dev.lorapar.model.ContinuousDecoder}) and the adapters: requests join and leave the running batch between
 * decode steps. A batch runs one adapter at a time: the sequences of each adapter (and of the base model) form their
 * own batch, and the loop serves these batches round-robin, one decode step each.
 */
package dev.lorapar.serve;

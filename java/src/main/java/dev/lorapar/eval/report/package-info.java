/**
 * Evaluation reports: the data model a run fills in ({@link dev.lorapar.eval.report.EvalRun},
 * {@link dev.lorapar.eval.report.RunInfo}, {@link dev.lorapar.eval.report.BenchmarkResult},
 * {@link dev.lorapar.eval.report.ItemRecord}, {@link dev.lorapar.eval.report.BenchmarkSummary}), model and adapter
 * identities with cached streaming SHA-256 ({@link dev.lorapar.eval.report.ContentHasher},
 * {@link dev.lorapar.eval.report.Sha256Cache}), the JSON run file ({@link dev.lorapar.eval.report.EvalRunWriter},
 * {@link dev.lorapar.eval.report.EvalRunJson}), the Markdown report
 * ({@link dev.lorapar.eval.report.MarkdownReport}), bootstrap intervals ({@link dev.lorapar.eval.report.Bootstrap})
 * and {@code lorapar eval --compare} ({@link dev.lorapar.eval.report.EvalCompare}).
 */
package dev.lorapar.eval.report;

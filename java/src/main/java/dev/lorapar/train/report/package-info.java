/**
 * What a run shows: progress lines ({@link dev.lorapar.train.report.ProgressReporter},
 * {@link dev.lorapar.train.report.TrainProgress}), the JSONL metrics log
 * ({@link dev.lorapar.train.report.MetricsLog}), the loss curve PNG
 * ({@link dev.lorapar.train.report.LossPlot}) and the number formats they share
 * ({@link dev.lorapar.train.report.NumbersFormat}).
 */
package dev.lorapar.train.report;

package dev.lorapar.bench.gpu;

import dev.lorapar.core.Stream;

/** What every section of GpuBench works with: one stream, the configuration, the timer, the report. */
record BenchContext(Stream stream, BenchConfig config, Timer timer, Report report) {}

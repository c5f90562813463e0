/**
 * Charts as PNG files in pure Java (java.base only: no java.desktop, no installed fonts): a raster
 * {@link dev.lorapar.train.report.plot.Canvas} with a built-in bitmap font, a PNG encoder, line charts
 * ({@link dev.lorapar.train.report.plot.LinePlot}) and heatmaps with a colour bar
 * ({@link dev.lorapar.train.report.plot.HeatmapPlot}).
 */
package dev.lorapar.train.report.plot;

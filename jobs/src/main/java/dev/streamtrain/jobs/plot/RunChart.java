package dev.streamtrain.jobs.plot;

import dev.streamtrain.jobs.plot.RunChartData.Point;
import dev.streamtrain.jobs.plot.RunChartData.Rollback;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.chart.util.ShapeUtils;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a run with JFreeChart, headless: mean loss (top) and samples/s (bottom) per epoch, one
 * colour per attempt; superseded epochs get a grey cross, epochs whose artifact retention deleted a
 * hollow ring, and every rollback a dashed vertical line at the epoch it went back to.
 */
public final class RunChart {
    static {
        // no display here or on a server: AWT must never try to open one
        System.setProperty("java.awt.headless", "true");
    }

    private static final Paint[] ATTEMPT_COLOURS = {
        new Color(0x1f77b4),
        new Color(0xff7f0e),
        new Color(0x2ca02c),
        new Color(0xd62728),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0xe377c2),
        new Color(0x17becf)
    };
    private static final Color SUPERSEDED = new Color(0x555555);
    private static final Color DELETED = new Color(0x000000);

    private RunChart() {}

    public static JFreeChart chart(RunChartData data) {
        NumberAxis epochAxis = new NumberAxis("epoch");
        epochAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        epochAxis.setAutoRangeIncludesZero(false);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(epochAxis);
        plot.add(subplot(data, "mean loss", Point::meanLoss, true), 3);
        plot.add(subplot(data, "samples/s", Point::samplesPerSecond, false), 2); // same series: one legend
        plot.setGap(12);
        String title = data.key() + ": " + data.points().size() + " epochs committed, "
                + data.attempts().size() + " attempt(s), " + data.rollbacks().size() + " rollback(s)";
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Writes the PNG through a temporary file, so that a reader never sees half an image. */
    public static void writePng(RunChartData data, Path out, int width, int height) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, out.getFileName().toString(), ".part");
        try {
            try (OutputStream stream = Files.newOutputStream(partial)) {
                ChartUtils.writeChartAsPNG(stream, chart(data), width, height);
            }
            Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static XYPlot subplot(RunChartData data, String label, ToDoubleFunction<Point> value, boolean inLegend) {
        XYSeriesCollection dataset = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setDefaultSeriesVisibleInLegend(inLegend);
        int series = 0;
        for (int attempt : data.attempts()) {
            dataset.addSeries(series(data, "attempt " + attempt, p -> p.attempt() == attempt, value));
            renderer.setSeriesPaint(series, ATTEMPT_COLOURS[(attempt - 1) % ATTEMPT_COLOURS.length]);
            renderer.setSeriesStroke(series, new BasicStroke(2f));
            renderer.setSeriesShape(series, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
            series++;
        }
        if (data.points().stream().anyMatch(Point::superseded)) {
            dataset.addSeries(series(data, "superseded (rolled back)", Point::superseded, value));
            renderer.setSeriesLinesVisible(series, false);
            renderer.setSeriesShape(series, ShapeUtils.createDiagonalCross(5f, 1.2f));
            renderer.setSeriesPaint(series, SUPERSEDED);
            series++;
        }
        if (data.points().stream().anyMatch(Point::deleted)) {
            dataset.addSeries(series(data, "artifact deleted (retention)", Point::deleted, value));
            renderer.setSeriesLinesVisible(series, false);
            renderer.setSeriesShape(series, new Ellipse2D.Double(-7, -7, 14, 14));
            renderer.setSeriesShapesFilled(series, false);
            renderer.setSeriesPaint(series, DELETED);
            series++;
        }
        NumberAxis axis = new NumberAxis(label);
        axis.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(dataset, null, axis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        for (Rollback r : data.rollbacks()) {
            ValueMarker marker = new ValueMarker(
                    r.toEpoch(),
                    Color.RED,
                    new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            marker.setLabel("rolled back to " + r.toEpoch() + ", attempt " + r.attempt());
            marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(marker);
        }
        return plot;
    }

    private static XYSeries series(
            RunChartData data, String name, Predicate<Point> which, ToDoubleFunction<Point> value) {
        XYSeries s = new XYSeries(name, true, true); // duplicates: an epoch re-committed after a restart
        for (Point p : data.points()) {
            double y = value.applyAsDouble(p);
            if (which.test(p) && Double.isFinite(y)) {
                s.add(p.epoch(), y);
            }
        }
        return s;
    }
}

package dev.vulcan.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The benchmark report as an SVG a person can open in a browser: one panel per metric, in each a bar per backend
 * (its median, a whisker from min to p99) with a hollow bar beside it for its raw engine's median and the ratio
 * above. Each backend is one series, a {@code <g class="series" data-backend="...">} holding its bars in every
 * panel. Written by hand: a few dozen elements do not need a charting library.
 */
final class BenchmarkChart {

    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
    private static final int PANEL_W = 300;
    private static final int PANEL_H = 220;
    private static final int COLUMNS = 3;
    private static final int TOP = 60;
    private static final int PLOT_TOP = 40;
    private static final int PLOT_H = 140;

    private BenchmarkChart() {}

    static String svg(JsonNode report) {
        List<JsonNode> backends = Fields.elements(report.get("backends"));
        List<String> metrics = new ArrayList<>();
        Map<String, String> units = new LinkedHashMap<>();
        for (JsonNode backend : backends) {
            for (JsonNode figure : Fields.elements(backend.get("figures"))) {
                String metric = Fields.text(figure, "metric");
                if (!metrics.contains(metric)) {
                    metrics.add(metric);
                    units.put(metric, Fields.text(figure, "unit"));
                }
            }
        }
        int rows = Math.max(1, (metrics.size() + COLUMNS - 1) / COLUMNS);
        int width = COLUMNS * PANEL_W;
        int height = TOP + rows * PANEL_H + 20;
        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(text(10, 20, 15, "Vulcan benchmark: " + Fields.text(report, "machine") + " ("
                + (report.path("quick").asBoolean() ? "quick" : "full") + ", " + Fields.text(report, "date") + ")"));
        svg.append(text(10, 38, 11, "filled bar: Vulcan median, whisker min to p99; hollow bar: raw engine median;"
                + " number: Vulcan / raw"));
        // legend
        for (int b = 0; b < backends.size(); b++) {
            int x = 10 + b * 160;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"46\" width=\"10\" height=\"10\" fill=\"%s\"/>%n",
                    x, colour(b)));
            String raw = Fields.text(backends.get(b), "raw_engine");
            svg.append(text(x + 14, 55, 11, Fields.text(backends.get(b), "isolation") + " vs " + (raw == null ? "-" : raw)));
        }
        // panel frames and titles, then one group per backend
        Map<String, Double> scale = new LinkedHashMap<>();
        for (int m = 0; m < metrics.size(); m++) {
            int x0 = (m % COLUMNS) * PANEL_W;
            int y0 = TOP + (m / COLUMNS) * PANEL_H;
            svg.append(text(x0 + 10, y0 + 20, 12, metrics.get(m) + " (" + units.get(metrics.get(m)) + ")"));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>%n",
                    x0 + 10, y0 + PLOT_TOP + PLOT_H, x0 + PANEL_W - 10, y0 + PLOT_TOP + PLOT_H));
            double max = 0;
            for (JsonNode backend : backends) {
                JsonNode figure = figure(backend, metrics.get(m));
                max = Math.max(max, value(figure, "vulcan", "p99"));
                max = Math.max(max, value(figure, "raw", "median"));
            }
            scale.put(metrics.get(m), max <= 0 ? 1 : max);
            svg.append(text(x0 + PANEL_W - 70, y0 + PLOT_TOP - 4, 10, "max " + number(max)));
        }
        int slot = (PANEL_W - 20) / Math.max(1, backends.size());
        for (int b = 0; b < backends.size(); b++) {
            JsonNode backend = backends.get(b);
            String isolation = Fields.text(backend, "isolation");
            svg.append(String.format(Locale.ROOT, "<g class=\"series\" data-backend=\"%s\" fill=\"%s\">%n",
                    escape(isolation), colour(b)));
            for (int m = 0; m < metrics.size(); m++) {
                JsonNode figure = figure(backend, metrics.get(m));
                double max = scale.get(metrics.get(m));
                int x0 = (m % COLUMNS) * PANEL_W + 10 + b * slot;
                int base = TOP + (m / COLUMNS) * PANEL_H + PLOT_TOP + PLOT_H;
                int barW = Math.max(4, slot / 3);
                double median = value(figure, "vulcan", "median");
                if (median > 0) {
                    int h = (int) Math.round(median / max * PLOT_H);
                    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\">"
                            + "<title>%s %s median %s</title></rect>%n", x0 + 4, base - h, barW, h, escape(isolation),
                            escape(metrics.get(m)), number(median)));
                    int top = base - (int) Math.round(value(figure, "vulcan", "p99") / max * PLOT_H);
                    int bottom = base - (int) Math.round(value(figure, "vulcan", "min") / max * PLOT_H);
                    int cx = x0 + 4 + barW / 2;
                    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                            cx, top, cx, bottom));
                } else {
                    svg.append(text(x0 + 4, base - 4, 9, "n/a"));
                }
                double raw = value(figure, "raw", "median");
                if (raw > 0) {
                    int h = (int) Math.round(raw / max * PLOT_H);
                    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
                            + " fill=\"none\" stroke=\"%s\" stroke-dasharray=\"3,2\"/>%n", x0 + 6 + barW, base - h, barW, h,
                            colour(b)));
                }
                if (figure != null && figure.hasNonNull("ratio")) {
                    svg.append(text(x0 + 4, base + 14, 9, String.format(Locale.ROOT, "%.2fx", figure.get("ratio").asDouble())));
                }
                svg.append(text(x0 + 4, base + 26, 9, isolation));
            }
            svg.append("</g>\n");
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static JsonNode figure(JsonNode backend, String metric) {
        for (JsonNode figure : Fields.elements(backend.get("figures"))) {
            if (metric.equals(Fields.text(figure, "metric"))) {
                return figure;
            }
        }
        return null;
    }

    private static double value(JsonNode figure, String who, String field) {
        if (figure == null || !figure.hasNonNull(who)) {
            return 0;
        }
        return figure.get(who).path(field).asDouble();
    }

    private static String colour(int index) {
        return COLOURS[index % COLOURS.length];
    }

    private static String text(int x, int y, int size, String content) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" fill=\"black\">%s</text>%n", x, y,
                size, escape(content));
    }

    private static String number(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static String escape(String s) {
        if (s == null) return "";
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

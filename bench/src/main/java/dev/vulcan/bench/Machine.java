package dev.vulcan.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the figures were measured on. */
final class Machine {
    private Machine() {}

    static String describe() {
        String cpu = "unknown cpu";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(cpu);
        } catch (IOException e) {
            // keep the default
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version();
    }

    /** A report's opening entries: when, on what, under which load. */
    static java.util.Map<String, Object> startReport() {
        java.util.Map<String, Object> report = new java.util.LinkedHashMap<>();
        report.put("date", java.time.Instant.now().toString());
        report.put("machine", describe());
        report.put("load_average_at_start", loadAverage());
        return report;
    }

    /** Writes the report as bench/results/KIND-DATE.json and says where. */
    static Path writeReport(Path home, String kind, java.util.Map<String, Object> report,
            tools.jackson.databind.json.JsonMapper json) throws IOException {
        report.put("load_average_at_end", loadAverage());
        Path out = Files.createDirectories(home.resolve("bench/results"));
        Path file = out.resolve(kind + "-" + java.time.Instant.now().toString().replace(":", "") + ".json");
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        System.out.println("wrote " + file);
        return file;
    }

    /** The 1, 5 and 15 minute load averages: other work on the machine skews the figures. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}

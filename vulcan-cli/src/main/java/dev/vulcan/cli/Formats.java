package dev.vulcan.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Short human forms of durations, sizes and ages for tables. */
final class Formats {
    private Formats() {}

    /** 850ms, 1.25s, 12.3s, 2m05s, 1h07m; "-" for null. */
    static String duration(Long millis) {
        if (millis == null) {
            return "-";
        }
        long ms = Math.max(0, millis);
        if (ms < 1_000) {
            return ms + "ms";
        }
        if (ms < 10_000) {
            return String.format(Locale.ROOT, "%.2fs", ms / 1000.0);
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long seconds = ms / 1000;
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    /** 512 B, 4.1 kB, 2.8 MB, 1.2 GB (powers of 1000, as docker shows sizes); "-" for null. */
    static String size(Long bytes) {
        if (bytes == null) {
            return "-";
        }
        if (bytes < 1000) {
            return bytes + " B";
        }
        double value = bytes;
        String[] units = {"kB", "MB", "GB", "TB"};
        int unit = -1;
        while (value >= 999.5 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }

    /** How long before now: "just now", "42s ago", "5m ago", "3h ago", "2d ago"; "-" for null. */
    static String age(Instant then, Instant now) {
        if (then == null) {
            return "-";
        }
        long seconds = Duration.between(then, now).toSeconds();
        if (seconds < 1) {
            return "just now";
        }
        if (seconds < 60) {
            return seconds + "s ago";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m ago";
        }
        if (seconds < 48 * 3600) {
            return seconds / 3600 + "h ago";
        }
        return seconds / 86400 + "d ago";
    }

    /** An instant with its age: "2025-01-02T03:04:05Z (5m ago)"; "-" for null. */
    static String instant(Instant then, Instant now) {
        return then == null ? "-" : then + " (" + age(then, now) + ")";
    }
}

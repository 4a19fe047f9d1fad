package dev.vulcan.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Draws a pull's progress as docker does. On a terminal each blob gets one line, redrawn in place
 * with CR while it downloads ({@code 0123456789ab: [=====>    ] 1.2 MB / 3.4 MB}) and left with
 * its final state; elsewhere only the final state of each blob is printed, one plain line each.
 * Lines never reach the last column, so a redraw never wraps.
 */
final class PullRenderer {

    private static final int AMOUNT = 15;

    private final PrintWriter out;
    private final boolean terminal;
    private final int columns;
    /** The blob whose line is open (drawn without its newline), or null. */
    private String open;
    private int drawn;

    PullRenderer(PrintWriter out, boolean terminal, int columns) {
        this.out = out;
        this.terminal = terminal;
        this.columns = columns;
    }

    /** One progress event: state exists, downloading or downloaded. */
    void progress(String digest, String state, long done, long total) {
        String id = shortId(digest);
        if (open != null && !open.equals(id)) {
            out.print("\n"); // a blob left unfinished (should not happen): keep its last drawing
            open = null;
        }
        switch (state) {
            case "exists" -> finish(id, "already exists");
            case "downloaded" -> finish(id, "downloaded " + Formats.size(total));
            default -> {
                if (terminal) {
                    draw(id + ": " + bar(id, done, total));
                    open = id;
                }
            }
        }
        out.flush();
    }

    /** The last line: the image pulled, its digest and size. */
    void pulled(String ref, String digest, long size) {
        if (open != null) {
            out.print("\n");
            open = null;
        }
        out.println("pulled " + ref + " " + digest + " (" + Formats.size(size) + ")");
        out.flush();
    }

    private void finish(String id, String what) {
        if (terminal) {
            draw(id + ": " + what);
        } else {
            out.print(id + ": " + what);
        }
        out.print("\n");
        open = null;
        drawn = 0;
    }

    /** Redraws the open line: CR, the text, spaces over whatever the last drawing left. */
    private void draw(String text) {
        String line = text.length() >= columns ? text.substring(0, columns - 1) : text;
        int reused = open != null ? drawn : 0;
        out.print("\r" + line + " ".repeat(Math.max(0, reused - line.length())));
        drawn = line.length();
    }

    private String bar(String id, long done, long total) {
        String amount = Formats.size(done) + " / " + Formats.size(total);
        // room for the widest amount ("999 kB / 999 MB"), so the bar keeps its width as the numbers change
        int width = Math.min(50, columns - 1 - (id.length() + 2) - 3 - AMOUNT);
        if (width < 10 || total <= 0) {
            return amount;
        }
        int filled = (int) Math.min(width, done * width / total);
        String arrow = filled < width ? ">" : "";
        return "[" + "=".repeat(Math.max(0, filled - arrow.length())) + arrow + " ".repeat(width - Math.max(filled, arrow.length()))
                + "] " + amount;
    }

    /** The first 12 hex digits, as docker names layers. */
    static String shortId(String digest) {
        String hex = digest.startsWith("sha256:") ? digest.substring(7) : digest;
        return hex.substring(0, Math.min(12, hex.length())).toLowerCase(Locale.ROOT);
    }
}

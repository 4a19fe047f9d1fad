package dev.vulcan.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A column-aligned plain-text table: columns padded to their widest cell and separated by three
 * spaces, the last column left unpadded, a null cell shown as "-".
 */
final class Table {
    private static final String GAP = "   ";

    private final int columns;
    private final List<String[]> rows = new ArrayList<>();

    /** A table whose first row is this header. */
    Table(String... header) {
        this(header.length);
        add((Object[]) header);
    }

    private Table(int columns) {
        if (columns == 0) {
            throw new IllegalArgumentException("a table needs a column");
        }
        this.columns = columns;
    }

    /** A table with no header row, such as a list of field names and values. */
    static Table headless(int columns) {
        return new Table(columns);
    }

    Table add(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("row of " + cells.length + " cells in a table of " + columns + " columns");
        }
        String[] row = new String[columns];
        for (int i = 0; i < columns; i++) {
            row[i] = cells[i] == null ? "-" : oneLine(cells[i].toString());
        }
        rows.add(row);
        return this;
    }

    void print(PrintWriter out) {
        out.print(render());
        out.flush();
    }

    String render() {
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], width(row[i]));
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) {
                    line.repeat(' ', widths[i] - width(row[i])).append(GAP);
                }
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        return text.toString();
    }

    private static int width(String cell) {
        return cell.codePointCount(0, cell.length());
    }

    private static String oneLine(String cell) {
        return cell.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    }
}

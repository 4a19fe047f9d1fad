package dev.vulcan.daemon.net.cni;

/**
 * A CNI plugin failed: either it reported a CNI error ({@code code}, {@code msg}, {@code details}) or it
 * died without one (crash, deadline, unreadable output), in which case {@link #code()} is {@link #NO_CODE}.
 */
public final class CniException extends RuntimeException {

    /** The plugin gave no CNI error code (spec codes start at 1). */
    public static final int NO_CODE = 0;

    private final String plugin;
    private final String command;
    private final int code;
    private final String msg;
    private final String details;

    public CniException(String plugin, String command, int code, String msg, String details) {
        super(oneLine(plugin, command, code, msg, details));
        this.plugin = plugin;
        this.command = command;
        this.code = code;
        this.msg = msg == null ? "" : msg;
        this.details = details == null ? "" : details;
    }

    private static String oneLine(String plugin, String command, int code, String msg, String details) {
        StringBuilder text = new StringBuilder("CNI plugin '").append(plugin).append("' ").append(command).append(" failed");
        if (code != NO_CODE) {
            text.append(" (code ").append(code).append(')');
        }
        text.append(": ").append(msg == null || msg.isBlank() ? "no message" : msg.strip());
        if (details != null && !details.isBlank()) {
            text.append(" (").append(details.strip()).append(')');
        }
        return text.toString().replaceAll("\\s*\\R\\s*", " ");
    }

    public String plugin() {
        return plugin;
    }

    public String command() {
        return command;
    }

    public int code() {
        return code;
    }

    public String msg() {
        return msg;
    }

    public String details() {
        return details;
    }
}

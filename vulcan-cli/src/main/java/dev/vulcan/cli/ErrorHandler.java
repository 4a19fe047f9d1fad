package dev.vulcan.cli;

import dev.vulcan.cli.http.UnreachableSocketException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import tools.jackson.core.JacksonException;

/**
 * Turns every failure into one line on stderr and an exit status: 1 for an API error or a
 * broken exchange, 2 for a usage error or no daemon. Stack traces only with VULCAN_DEBUG set.
 */
final class ErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final int FAILED = 1;
    static final int USAGE = 2;

    private final Environment environment;

    ErrorHandler(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine command = ex.getCommandLine();
        command.getErr().println("vulcan: " + ex.getMessage()
                + " (see '" + command.getCommandSpec().qualifiedName() + " --help')");
        command.getErr().flush();
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine command, ParseResult parseResult) {
        PrintWriter err = command.getErr();
        int status = switch (ex) {
            case ApiException api -> {
                err.println("vulcan: " + api.getMessage() + " (" + api.code() + ")");
                yield FAILED;
            }
            case UnreachableSocketException unreachable -> {
                if (unreachable.reason() == UnreachableSocketException.Reason.OTHER) {
                    err.println("vulcan: cannot connect to " + unreachable.socket() + ": "
                            + unreachable.getCause().getMessage());
                } else {
                    err.println("vulcan: no daemon at " + unreachable.socket() + " (start one with: vulcan daemon)");
                }
                yield USAGE;
            }
            case UncheckedIOException io -> {
                err.println("vulcan: " + describe(io.getCause()));
                yield FAILED;
            }
            case IOException io -> {
                err.println("vulcan: " + describe(io));
                yield FAILED;
            }
            case JacksonException json -> {
                err.println("vulcan: unexpected answer from the daemon: " + json.getOriginalMessage());
                yield FAILED;
            }
            default -> {
                err.println("vulcan: internal error: " + ex);
                yield FAILED;
            }
        };
        if (environment.variable("VULCAN_DEBUG") != null) {
            ex.printStackTrace(err);
        }
        err.flush();
        return status;
    }

    private static String describe(IOException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "talking to the daemon: " + message;
    }
}

package dev.vulcan.cli;

import dev.vulcan.api.Json;
import dev.vulcan.cli.http.UnixHttpClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/** The root command: the global options, and the daemon client every subcommand shares. */
final class VulcanCommand implements Callable<Integer> {
    static final String DEFAULT_SOCKET = "/run/vulcan/vulcan.sock";

    private final Environment environment;
    private final CommandSpec spec;
    private DaemonClient client;

    VulcanCommand(Environment environment) {
        this.environment = environment;
        this.spec = Specs.command("vulcan", this, "Run code in sandboxes on a Vulcan node, through the daemon's API.");
        // INHERIT: accepted before or after the subcommand name
        spec.addOption(OptionSpec.builder("--socket").type(String.class).paramLabel("PATH")
                .scopeType(ScopeType.INHERIT)
                .description("daemon socket (default: $VULCAN_SOCKET or " + DEFAULT_SOCKET + ")").build());
        spec.addOption(OptionSpec.builder("-o", "--output").type(OutputFormat.class).paramLabel("FORMAT")
                .scopeType(ScopeType.INHERIT).completionCandidates(List.of("table", "json"))
                .description("table (default) or json: the API's JSON, for scripts").build());
        spec.usageMessage()
                .footerHeading("%nDaemon:%n")
                .footer(
                        "  vulcan daemon [--state-dir DIR] [--socket PATH] [--listen HOST:PORT]  start the node daemon",
                        "",
                        "Environment:",
                        "  VULCAN_SOCKET  the daemon's socket when --socket is not given (default " + DEFAULT_SOCKET + ")",
                        "",
                        "Exit status: 0 done; 1 API error or failed workload; 2 usage error or no daemon.");
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(err());
        return ErrorHandler.USAGE;
    }

    Environment environment() {
        return environment;
    }

    boolean json() {
        return Specs.value(spec, "--output") == OutputFormat.JSON;
    }

    Path socketPath() {
        String socket = Specs.value(spec, "--socket");
        if (socket == null) {
            socket = environment.variable("VULCAN_SOCKET");
        }
        return Path.of(socket != null ? socket : DEFAULT_SOCKET);
    }

    DaemonClient client() {
        if (client == null) {
            client = new DaemonClient(new UnixHttpClient(socketPath()), Json::mapper);
        }
        return client;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}

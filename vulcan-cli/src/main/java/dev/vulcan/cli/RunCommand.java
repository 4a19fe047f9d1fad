package dev.vulcan.cli;

import dev.vulcan.api.Resources;
import dev.vulcan.api.WorkloadStatus;
import dev.vulcan.api.WorkloadsPost;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ParameterException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** vulcan run: POST /v1/workloads (or /v1/workloads/async) and print the result. */
final class RunCommand extends Subcommand {

    RunCommand(VulcanCommand root) {
        super(root, "run",
                "Run code in a sandbox and print the JSON it returns, or an image's command and print its stdout.",
                "Waits for the result unless --async is given. Give exactly one of --code, --file, --archive or --image;"
                        + " with --image, --cmd runs a shell command and arguments after -- run without a shell.");
        spec.addOption(Specs.option("--runtime", String.class, "RUNTIME",
                "node, typescript, python, go, shell, ... (default: told by the --file extension, else the daemon's)"));
        spec.addOption(Specs.option("--code", String.class, "CODE", "the source to run"));
        spec.addOption(Specs.option("--file", String.class, "PATH", "a file holding the source to run"));
        spec.addOption(Specs.option("--archive", String.class, "PATH",
                "a .tar.gz holding the runtime's entrypoint (main.py, main.mjs, main.sh) and its files (microvm)"));
        spec.addOption(Specs.option("--image", String.class, "REF", "an image in the node's store to run"));
        spec.addOption(Specs.option("--cmd", String.class, "COMMAND",
                "with --image: a command for the image's /bin/sh -c (default: the image's own)"));
        spec.addPositional(picocli.CommandLine.Model.PositionalParamSpec.builder().index("0..*").arity("0..*")
                .type(List.class).auxiliaryTypes(String.class).paramLabel("ARGS")
                .description("with --image, after --: the command and its arguments, run without a shell").build());
        spec.addOption(Specs.option("--input", String.class, "JSON|@FILE",
                "the input, as JSON text, @FILE to read it from a file, or @- from standard input"));
        spec.addOption(Specs.option("--isolation", String.class, "ISOLATION",
                "auto (default), isolate, container, gvisor or microvm"));
        spec.addOption(Specs.option("--cpus", Integer.class, "N", "CPUs (default: the daemon's, 1)"));
        spec.addOption(Specs.option("--memory", Integer.class, "MB", "memory limit in MB (default: the daemon's, 128)"));
        spec.addOption(Specs.option("--timeout", Integer.class, "SECONDS", "time limit (default: the daemon's, 30)"));
        spec.addOption(Specs.option("--pids", Integer.class, "N",
                "most processes and threads a container may hold (default: the daemon's, 1024)"));
        spec.addOption(Specs.flag(new String[] {"--read-only"},
                "mount the container's root file system read-only (/dev/shm stays writable)"));
        spec.addOption(Specs.flag(new String[] {"--userns"},
                "run container root as an unprivileged uid range on the host (user namespace)"));
        spec.addOption(Specs.option("--network", String.class, "NETWORK",
                "a network for the container or microVM to join (default: none, only loopback)"));
        spec.addOption(Specs.flag(new String[] {"--async"}, "start the workload and print its id without waiting"));
    }

    @Override
    public Integer call() throws IOException {
        String code = Specs.value(spec, "--code");
        String fileName = Specs.value(spec, "--file");
        String archiveName = Specs.value(spec, "--archive");
        String input = Specs.value(spec, "--input");
        String image = Specs.value(spec, "--image");
        String cmd = Specs.value(spec, "--cmd");
        List<String> args = spec.positionalParameters().getFirst().getValue();
        boolean hasArgs = args != null && !args.isEmpty();
        if (image != null) {
            if (code != null || fileName != null) {
                throw new ParameterException(spec.commandLine(), "give exactly one of --code, --file, --archive or --image");
            }
            if (cmd != null && hasArgs) {
                throw new ParameterException(spec.commandLine(), "give --cmd or arguments after --, not both");
            }
        } else if (cmd != null || hasArgs) {
            throw new ParameterException(spec.commandLine(), "--cmd and arguments go with --image");
        } else if ((code != null ? 1 : 0) + (fileName != null ? 1 : 0) + (archiveName != null ? 1 : 0) != 1) {
            throw new ParameterException(spec.commandLine(), "give exactly one of --code, --file, --archive or --image");
        }
        if (image != null && archiveName != null) {
            throw new ParameterException(spec.commandLine(), "give exactly one of --code, --file, --archive or --image");
        }
        String archive = null;
        if (archiveName != null) {
            if (Specs.value(spec, "--runtime") == null) {
                throw new ParameterException(spec.commandLine(), "--archive needs --runtime (python, node or shell)");
            }
            try {
                archive = java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(archiveName)));
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "cannot read " + archiveName + ": " + reason(e));
            }
        }
        String source = code;
        String runtimeName = Specs.value(spec, "--runtime");
        if (fileName != null) {
            Path file = Path.of(fileName);
            source = readSource(file);
            if (runtimeName == null) {
                runtimeName = Runtimes.fromFileName(String.valueOf(file.getFileName())).orElseThrow(
                        () -> new ParameterException(spec.commandLine(),
                                "cannot tell the runtime of " + file + " from its extension: give --runtime"));
            }
        }
        DaemonClient client = root.client();
        JsonNode inputJson = input == null ? null : parseInput(client, input);
        WorkloadsPost post = new WorkloadsPost(runtimeName, Specs.value(spec, "--isolation"), source, inputJson,
                new Resources(Specs.value(spec, "--cpus"), Specs.value(spec, "--memory"), Specs.value(spec, "--timeout"),
                        Specs.value(spec, "--pids")),
                image, cmd, hasArgs ? List.copyOf(args) : null, Specs.given(spec, "--read-only") ? true : null,
                Specs.given(spec, "--userns") ? true : null, Specs.value(spec, "--network"), archive);

        if (Specs.given(spec, "--async")) {
            return show(client.post("/v1/workloads/async", post),
                    (workload, out) -> out.println(Fields.text(workload, "id")));
        }
        ApiReply reply = client.post("/v1/workloads", post);
        JsonNode workload = reply.tree();
        boolean completed = WorkloadStatus.COMPLETED.wire().equals(Fields.text(workload, "status"));
        if (root.json()) {
            root.out().println(reply.pretty());
        } else if (completed && (image != null || printsStdout(workload))) {
            // an image's or a shell script's output is its stdout: print it as it was written
            JsonNode output = workload.get("output");
            root.out().print(output == null || !output.isString() ? "" : output.asString());
        } else if (completed) {
            JsonNode output = workload.get("output");
            root.out().println(output == null ? "null" : ApiReply.pretty(client.mapper(), output));
        } else {
            root.err().println(failure(workload));
        }
        root.out().flush();
        root.err().flush();
        return completed ? 0 : ErrorHandler.FAILED;
    }

    /** Whether the workload's output is the stdout it wrote: a shell script's (an image's is known from --image). */
    static boolean printsStdout(JsonNode workload) {
        String runtime = Fields.text(workload, "runtime");
        return "oci".equals(runtime) || "shell".equals(runtime);
    }

    /** "failed: exception: TypeError: x is not a function", leaving out what the daemon did not say. */
    static String failure(JsonNode workload) {
        List<String> parts = new ArrayList<>(3);
        String status = Fields.text(workload, "status");
        parts.add(status == null ? "unknown" : status);
        for (String field : List.of("reason", "error")) {
            String value = Fields.text(workload, field);
            if (value != null && !value.isEmpty()) {
                parts.add(value);
            }
        }
        if (WorkloadStatus.PENDING.wire().equals(status) || WorkloadStatus.RUNNING.wire().equals(status)) {
            parts.add("not finished; see: vulcan status " + Fields.text(workload, "id"));
        }
        return String.join(": ", parts).replace('\n', ' ');
    }

    private String readSource(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot read " + path + ": " + reason(e));
        }
    }

    private JsonNode parseInput(DaemonClient client, String value) {
        String text = value;
        if (value.startsWith("@")) {
            String name = value.substring(1);
            try {
                if (name.equals("-")) {
                    InputStream stdin = root.environment().stdin();
                    text = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
                } else {
                    text = Files.readString(Path.of(name));
                }
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "cannot read --input " + value + ": " + reason(e));
            }
        }
        try {
            JsonNode json = client.mapper().readTree(text);
            if (json == null || json.isMissingNode()) {
                throw new ParameterException(spec.commandLine(), "--input is empty");
            }
            return json;
        } catch (JacksonException e) {
            throw new ParameterException(spec.commandLine(), "--input is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException missing -> "no such file";
            case java.nio.file.AccessDeniedException denied -> "permission denied";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }
}

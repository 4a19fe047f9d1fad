package dev.vulcan.cli;

import dev.vulcan.cli.http.RawServer;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

/**
 * The training run of the CLI's JDK AOT cache, for the build: it runs the common commands against
 * canned answers on a temporary unix socket, so the cache holds the classes of the whole path
 * (parsing, the HTTP client, JSON, tables, errors) and not only those of --help. No daemon needed:
 *
 * <pre>java -XX:AOTCacheOutput=vulcan-cli.aot -cp JARS dev.vulcan.cli.AotTraining</pre>
 */
public final class AotTraining {
    private static final String ID = "01JX0000000000000000000001";
    private static final String WORKLOAD = """
            {"id":"%s","status":"%s","isolation":"auto","isolation_used":"isolate","runtime":"node","node":"n1",
             "output":{"sum":3,"items":[1,2]},"exit_code":0,"resources":{"cpus":1,"mem_mb":128,"timeout_s":30},
             "input_hash":"sha256:00","duration_ms":12,"created_at":"2025-06-01T11:55:00Z",
             "started_at":"2025-06-01T11:55:00.100Z","finished_at":"2025-06-01T11:55:00.112Z"}""";
    private static final String LIST = "{\"items\":[" + WORKLOAD.formatted(ID, "completed") + ","
            + WORKLOAD.formatted("01JX0000000000000000000002", "failed") + "],\"next_cursor\":null}";
    private static final String BACKENDS = """
            [{"isolation":"isolate","available":true,"version":"deno 2","runtimes":["node"],"details":{"pool":"2"}},
             {"isolation":"microvm","available":false,"reason":"no /dev/kvm"}]""";
    private static final String NODES = """
            [{"id":"n1","hostname":"h","address":"a","cpus_total":2,"cpus_used":1,"mem_total_mb":4096,"mem_used_mb":128,
              "backends":["isolate"],"status":"ready","last_seen":"2025-06-01T11:55:00Z","workloads_running":1}]""";
    private static final String STATS = """
            {"total":2,"by_status":{"completed":1,"failed":1},
             "by_isolation":[{"isolation":"isolate","count":2,"completed":1,"avg_ms":12.0,"p50_ms":12,"p99_ms":12}]}""";
    private static final String IMAGE = """
            {"ref":"docker.io/library/busybox:1.36","digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
             "size_bytes":2154321,"layers":1}""";
    private static final String INSTANCE = """
            {"id":"01jx0000000000000000000010","name":"web","isolation":"container","image":"docker.io/it/busybox:1",
             "command":["/bin/sh","-c","sleep 1000"],"status":"%s","exit_code":137,"reason":"stopped","restart":"always",
             "restart_count":1,"env":["A=1"],"volumes":["data:/data"],"resources":{"cpus":1,"mem_mb":64},"pid":42,
             "node":"n1","created_at":"2025-06-01T11:55:00Z","started_at":"2025-06-01T11:55:01Z",
             "network":{"network":"default","ipv4":"10.77.0.2","ipv6":"fd00:1000::1000"},"ports":["8080:80/tcp"]}""";
    private static final String NETWORK = """
            {"name":"back","bridge":"vulcan1","subnet":"10.78.0.0/24","gateway":"10.78.0.1","ipv6_subnet":"fd00:1000:0:1::/64",
             "ipv6_gateway":"fd00:1000:0:1::1","is_default":false,"instances":["web"],"created_at":"2025-06-01T11:55:00Z"}""";
    private static final String VOLUME = """
            {"name":"data","path":"/var/lib/vulcan/volumes/data","used_by":["web"],"created_at":"2025-06-01T11:55:00Z"}""";
    private static final String DELEGATION = """
            {"child":"c1","prefix":"fd00:1100::/24","uplink":"fd00:1000::1:1","created_at":"2025-06-01T11:55:00Z",
             "route":"installed"}""";
    private static final String LOG = "{\"time\":\"2025-06-01T11:55:00Z\",\"stream\":\"%s\",\"line\":\"%s\"}";

    private AotTraining() {}

    /** One command of the training and the exit status it must have. */
    private record Step(int exit, String... args) {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("vulcan-aot-training");
        Path socket = dir.resolve("vulcan.sock");
        try (var _ = RawServer.start(socket, AotTraining::answer)) {
            String s = socket.toString();
            String nowhere = dir.resolve("none.sock").toString();
            List<Step> steps = List.of(
                    new Step(0, "--help"),
                    new Step(0, "--version"),
                    new Step(0, "--socket", s, "ls"),
                    new Step(0, "--socket", s, "ls", "--all", "--status", "completed", "-o", "json"),
                    new Step(0, "--socket", s, "status", ID),
                    new Step(0, "--socket", s, "status", ID, "-o", "json"),
                    new Step(0, "--socket", s, "logs", "-f", ID),
                    new Step(0, "--socket", s, "run", "--code", "return 1", "--input", "{\"a\":[1]}", "--cpus", "1"),
                    new Step(0, "--socket", s, "run", "--async", "--code", "return 1"),
                    new Step(0, "--socket", s, "kill", ID),
                    new Step(0, "--socket", s, "backends"),
                    new Step(0, "--socket", s, "nodes"),
                    new Step(0, "--socket", s, "stats"),
                    new Step(0, "--socket", s, "image", "ls"),
                    new Step(0, "--socket", s, "image", "inspect", "busybox:1.36"),
                    new Step(0, "--socket", s, "image", "pull", "busybox:1.36", "-o", "json"),
                    new Step(0, "--socket", s, "image", "import", "busybox.tar", "--name", "busybox:1.36"),
                    new Step(0, "--socket", s, "image", "rm", "busybox:1.36"),
                    new Step(0, "--socket", s, "image", "gc"),
                    new Step(0, "--socket", s, "create", "--name", "web", "--image", "busybox", "-e", "A=1",
                            "-v", "data:/data", "--restart", "always", "--cpus", "1", "--memory", "64", "--", "sleep", "1000"),
                    new Step(0, "--socket", s, "instance", "create", "--name", "web", "--image", "busybox",
                            "--cmd", "sleep 1000", "--start", "-o", "json"),
                    new Step(0, "--socket", s, "start", "web"),
                    new Step(0, "--socket", s, "stop", "-t", "1", "web"),
                    new Step(0, "--socket", s, "instance", "restart", "web"),
                    new Step(0, "--socket", s, "ps"),
                    new Step(0, "--socket", s, "instance", "ls", "-o", "json"),
                    new Step(0, "--socket", s, "inspect", "web"),
                    new Step(0, "--socket", s, "logs", "web"),
                    new Step(0, "--socket", s, "rm", "-f", "web"),
                    new Step(ErrorHandler.FAILED, "--socket", s, "rm", "web", "missing"),
                    new Step(0, "--socket", s, "volume", "create", "data"),
                    new Step(0, "--socket", s, "volume", "ls"),
                    new Step(0, "--socket", s, "volume", "inspect", "data"),
                    new Step(0, "--socket", s, "volume", "rm", "data"),
                    new Step(0, "--socket", s, "network", "create", "back", "--subnet", "10.78.0.0/24"),
                    new Step(0, "--socket", s, "network", "ls"),
                    new Step(0, "--socket", s, "network", "inspect", "back"),
                    new Step(0, "--socket", s, "network", "rm", "back"),
                    new Step(0, "--socket", s, "subtree"),
                    new Step(0, "--socket", s, "subtree", "delegate", "c1"),
                    new Step(0, "--socket", s, "subtree", "release", "c1"),
                    new Step(ErrorHandler.FAILED, "--socket", s, "status", "missing"),
                    new Step(ErrorHandler.USAGE, "--socket", nowhere, "ls"),
                    new Step(ErrorHandler.USAGE, "run", "--code", "1", "--file", "x.js"),
                    new Step(ErrorHandler.USAGE, "ls", "--no-such-option"));
            for (Step step : steps) {
                PrintWriter discard = new PrintWriter(Writer.nullWriter());
                int exit = Main.commandLine(new Environment(Map.of(), InstantSource.system(), InputStream.nullInputStream()))
                        .setOut(discard)
                        .setErr(discard)
                        .execute(step.args());
                if (exit != step.exit()) {
                    throw new IllegalStateException("training step " + String.join(" ", step.args()) + " exited "
                            + exit + ", not " + step.exit());
                }
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    /** The canned answers to the requests of the training commands. */
    private static void answer(RawServer.Request request, RawServer.Connection connection) throws Exception {
        RawServer.Script script = switch (request.method() + " " + request.path()) {
            case "GET /v1/workloads" -> RawServer.chunked("application/json", LIST.substring(0, 40), LIST.substring(40));
            case "GET /v1/workloads/" + ID -> RawServer.json(200, WORKLOAD.formatted(ID, "completed"));
            case "GET /v1/workloads/" + ID + "/logs" -> RawServer.events(
                    "event: stdout\ndata: " + LOG.formatted("stdout", "hello") + "\n\n",
                    "event: stderr\ndata: " + LOG.formatted("stderr", "world") + "\n\n",
                    "event: end\ndata: " + WORKLOAD.formatted(ID, "completed") + "\n\n");
            case "POST /v1/workloads" -> RawServer.json(200, WORKLOAD.formatted(ID, "completed"));
            case "POST /v1/workloads/async" -> RawServer.json(202, WORKLOAD.formatted(ID, "running"));
            case "DELETE /v1/workloads/" + ID -> RawServer.json(200, WORKLOAD.formatted(ID, "killed"));
            case "GET /v1/backends" -> RawServer.json(200, BACKENDS);
            case "GET /v1/nodes" -> RawServer.json(200, NODES);
            case "GET /v1/stats" -> RawServer.json(200, STATS);
            case "GET /v1/images" -> RawServer.json(200, "[" + IMAGE + "]");
            case "GET /v1/images/busybox%3A1.36", "DELETE /v1/images/busybox%3A1.36", "POST /v1/images/pull" ->
                    RawServer.json(200, IMAGE);
            case "POST /v1/images/import" -> RawServer.json(200, "[" + IMAGE + "]");
            case "POST /v1/images/gc" -> RawServer.json(200, "{\"blobs_removed\":2,\"bytes_freed\":4096,\"layers_removed\":1}");
            case "POST /v1/instances" -> RawServer.json(201, INSTANCE.formatted("created"));
            case "DELETE /v1/instances/web" -> RawServer.json(200, INSTANCE.formatted("stopped"));
            case "POST /v1/instances/web/start", "POST /v1/instances/web/restart", "GET /v1/instances/web" ->
                    RawServer.json(200, INSTANCE.formatted("running"));
            case "POST /v1/instances/web/stop" -> RawServer.json(200, INSTANCE.formatted("stopped"));
            case "GET /v1/instances" -> RawServer.json(200, "{\"instances\":[" + INSTANCE.formatted("running") + "]}");
            case "GET /v1/instances/web/logs" -> RawServer.events(
                    "event: stdout\ndata: " + LOG.formatted("stdout", "hello") + "\n\n",
                    "event: end\ndata: " + INSTANCE.formatted("running") + "\n\n");
            case "POST /v1/volumes", "GET /v1/volumes/data", "DELETE /v1/volumes/data" -> RawServer.json(200, VOLUME);
            case "GET /v1/volumes" -> RawServer.json(200, "{\"volumes\":[" + VOLUME + "]}");
            case "POST /v1/networks", "GET /v1/networks/back", "DELETE /v1/networks/back" -> RawServer.json(200, NETWORK);
            case "GET /v1/networks" -> RawServer.json(200, "{\"networks\":[" + NETWORK + "]}");
            case "GET /v1/subtree" -> RawServer.json(200, "{\"subtree\":\"fd00:1000::/20\",\"own_space\":"
                    + "\"fd00:1000::/24\",\"bridge_subnet\":\"fd00:1000::/64\",\"delegations\":[" + DELEGATION + "]}");
            case "POST /v1/subtree/delegations" -> RawServer.json(201, DELEGATION);
            case "DELETE /v1/subtree/delegations/c1" -> RawServer.json(204, "");
            default -> RawServer.json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing\"}}");
        };
        script.answer(request, connection);
    }
}

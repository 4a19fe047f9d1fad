package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Json;
import dev.vulcan.cli.http.RawServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class RunCommandTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    private Cli.Result vulcan(String... args) {
        return vulcanWithStdin("", args);
    }

    private Cli.Result vulcanWithStdin(String stdin, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--socket";
        all[1] = daemon.socket().toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Cli.run(Map.of(), stdin, all);
    }

    private JsonNode posted() {
        RawServer.Request request = daemon.requests().getFirst();
        assertThat(request.headers()).containsEntry("content-type", "application/json");
        return Json.mapper().readTree(request.body());
    }

    @Test
    void codeAndFileTogetherIsAUsageError() throws Exception {
        Path file = Files.writeString(dir.resolve("a.js"), "1");

        Cli.Result result = vulcan("run", "--code", "1", "--file", file.toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("vulcan: give exactly one of --code, --file, --archive or --image (see 'vulcan run --help')\n");
        assertThat(daemon.requests()).isEmpty();
    }

    @Test
    void neitherCodeNorFileIsAUsageError() {
        Cli.Result result = vulcan("run", "--runtime", "node");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void runsSynchronouslyAndPrintsTheOutput() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, Samples.COMPLETED));

        Cli.Result result = vulcan("run", "--runtime", "node", "--code", "return 1 + 2", "--input", "{\"a\":1}",
                "--isolation", "container", "--cpus", "2", "--memory", "256", "--timeout", "5");

        assertThat(result.exit()).isZero();
        assertThat(result.err()).isEmpty();
        assertThat(Json.mapper().readTree(result.out())).isEqualTo(Json.mapper().readTree("{\"sum\":3}"));
        JsonNode posted = posted();
        assertThat(posted.path("runtime").asString()).isEqualTo("node");
        assertThat(posted.path("isolation").asString()).isEqualTo("container");
        assertThat(posted.path("code").asString()).isEqualTo("return 1 + 2");
        assertThat(posted.path("input")).isEqualTo(Json.mapper().readTree("{\"a\":1}"));
        assertThat(posted.path("resources")).isEqualTo(
                Json.mapper().readTree("{\"cpus\":2,\"mem_mb\":256,\"timeout_s\":5}"));
    }

    @Test
    void aShellScriptsOutputIsPrintedAsItsStdoutWasWritten() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, "{\"id\":\"01JX0000000000000000000010\","
                + "\"status\":\"completed\",\"runtime\":\"shell\",\"output\":\"hi there\\n\"}"));

        Cli.Result result = vulcan("run", "--runtime", "shell", "--code", "echo hi there");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("hi there\n");
    }

    @Test
    void anImageWithCmdPostsTheShellFormAndPrintsStdoutAsIs() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200,
                "{\"id\":\"01JX0000000000000000000009\",\"status\":\"completed\",\"output\":\"hello\\n\"}"));

        Cli.Result result = vulcan("run", "--image", "busybox", "--cmd", "echo hello");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("hello\n");
        JsonNode posted = posted();
        assertThat(posted.path("image").asString()).isEqualTo("busybox");
        assertThat(posted.path("cmd").asString()).isEqualTo("echo hello");
        assertThat(posted.has("args")).isFalse();
        assertThat(posted.has("code")).isFalse();
        assertThat(posted.has("read_only")).isFalse();
        assertThat(posted.has("userns")).isFalse();
    }

    @Test
    void securityFlagsAndPidsArePosted() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200,
                "{\"id\":\"01JX0000000000000000000009\",\"status\":\"completed\",\"output\":\"\"}"));

        vulcan("run", "--image", "busybox", "--read-only", "--userns", "--pids", "64", "--cmd", "true");

        JsonNode posted = posted();
        assertThat(posted.path("read_only").asBoolean()).isTrue();
        assertThat(posted.path("userns").asBoolean()).isTrue();
        assertThat(posted.path("resources")).isEqualTo(Json.mapper().readTree("{\"pids\":64}"));
    }

    @Test
    void argumentsAfterDoubleDashAreTheExecForm() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200,
                "{\"id\":\"01JX0000000000000000000009\",\"status\":\"completed\",\"output\":\"a b\\n\"}"));

        vulcan("run", "--image", "busybox", "--", "echo", "a b");

        assertThat(posted().path("args")).isEqualTo(Json.mapper().readTree("[\"echo\",\"a b\"]"));
    }

    @Test
    void cmdWithoutAnImageIsAUsageError() {
        Cli.Result result = vulcan("run", "--code", "1", "--cmd", "true");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(daemon.requests()).isEmpty();
    }

    @Test
    void leavesOutWhatWasNotGiven() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, Samples.COMPLETED));

        vulcan("run", "--code", "1");

        JsonNode posted = posted();
        assertThat(posted.has("runtime")).isFalse();
        assertThat(posted.has("isolation")).isFalse();
        assertThat(posted.has("input")).isFalse();
        assertThat(posted.path("resources").isEmpty()).isTrue();
    }

    @Test
    void aFailedWorkloadPrintsStatusReasonAndErrorAndExitsOne() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, Samples.FAILED));

        Cli.Result result = vulcan("run", "--code", "x()");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo("failed: exception: TypeError: x is not a function\n");
    }

    @Test
    void aKilledWorkloadExitsOne() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, Samples.KILLED));

        Cli.Result result = vulcan("run", "--code", "while(1){}");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("killed: killed: killed by request\n");
    }

    @Test
    void jsonOutputIsTheApiAnswerAndStillExitsOneOnFailure() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, Samples.FAILED));

        Cli.Result result = vulcan("run", "--code", "x()", "-o", "json");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(Json.mapper().readTree(result.out())).isEqualTo(Json.mapper().readTree(Samples.FAILED));
    }

    @Test
    void asyncPrintsTheId() {
        daemon.on("POST", "/v1/workloads/async", RawServer.json(202, Samples.RUNNING));

        Cli.Result result = vulcan("run", "--async", "--code", "1");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("01JX0000000000000000000003\n");
    }

    @Test
    void asyncWithJsonPrintsTheAnswer() {
        daemon.on("POST", "/v1/workloads/async", RawServer.json(202, Samples.RUNNING));

        Cli.Result result = vulcan("run", "--async", "--code", "1", "--output", "JSON");

        assertThat(Json.mapper().readTree(result.out())).isEqualTo(Json.mapper().readTree(Samples.RUNNING));
    }

    @Test
    void aFileGivesTheCodeAndTheRuntime() throws Exception {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, Samples.COMPLETED));
        Path file = Files.writeString(dir.resolve("main.py"), "print('hi')\n");

        Cli.Result result = vulcan("run", "--file", file.toString());

        assertThat(result.exit()).isZero();
        assertThat(posted().path("runtime").asString()).isEqualTo("python");
        assertThat(posted().path("code").asString()).isEqualTo("print('hi')\n");
    }

    @Test
    void anExplicitRuntimeWinsOverTheExtension() throws Exception {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, Samples.COMPLETED));
        Path file = Files.writeString(dir.resolve("main.js"), "1");

        vulcan("run", "--file", file.toString(), "--runtime", "deno");

        assertThat(posted().path("runtime").asString()).isEqualTo("deno");
    }

    @Test
    void anUnknownExtensionWithoutRuntimeIsAUsageError() throws Exception {
        Path file = Files.writeString(dir.resolve("main.rb"), "1");

        Cli.Result result = vulcan("run", "--file", file.toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("main.rb").contains("--runtime");
        assertThat(daemon.requests()).isEmpty();
    }

    @Test
    void aMissingFileIsAUsageError() {
        Cli.Result result = vulcan("run", "--file", dir.resolve("nope.js").toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("cannot read").contains("no such file");
    }

    @Test
    void inputIsReadFromAFileAfterAnAt() throws Exception {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, Samples.COMPLETED));
        Path input = Files.writeString(dir.resolve("input.json"), "{\"items\": [1, 2, 3]}\n");

        Cli.Result result = vulcan("run", "--code", "1", "--input", "@" + input);

        assertThat(result.exit()).isZero();
        assertThat(posted().path("input")).isEqualTo(Json.mapper().readTree("{\"items\":[1,2,3]}"));
    }

    @Test
    void inputIsReadFromStandardInputAfterAtDash() {
        daemon.on("POST", "/v1/workloads", RawServer.json(200, Samples.COMPLETED));

        vulcanWithStdin("[\"from stdin\"]", "run", "--code", "1", "--input", "@-");

        assertThat(posted().path("input")).isEqualTo(Json.mapper().readTree("[\"from stdin\"]"));
    }

    @Test
    void inputThatIsNotJsonIsAUsageError() {
        Cli.Result result = vulcan("run", "--code", "1", "--input", "{oops");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).startsWith("vulcan: --input is not valid JSON");
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void aMissingInputFileIsAUsageError() {
        Cli.Result result = vulcan("run", "--code", "1", "--input", "@" + dir.resolve("none.json"));

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("cannot read --input");
    }

    @Test
    void anUnknownIsolationIsLeftToTheDaemonToReject() {
        daemon.on("POST", "/v1/workloads", RawServer.json(400,
                Samples.error("invalid", "unknown isolation 'firecracker' (accepted: auto, isolate, container, gvisor, microvm)")));

        Cli.Result result = vulcan("run", "--code", "1", "--isolation", "firecracker");

        assertThat(posted().path("isolation").asString()).isEqualTo("firecracker");
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo(
                "vulcan: unknown isolation 'firecracker' (accepted: auto, isolate, container, gvisor, microvm) (invalid)\n");
    }

    @Test
    void aNonNumericLimitIsAUsageError() {
        Cli.Result result = vulcan("run", "--code", "1", "--cpus", "two");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err().lines()).hasSize(1);
        assertThat(daemon.requests()).isEmpty();
    }
}

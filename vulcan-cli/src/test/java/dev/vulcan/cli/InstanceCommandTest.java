package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Instance;
import dev.vulcan.api.InstanceList;
import dev.vulcan.api.InstanceStatus;
import dev.vulcan.api.Isolation;
import dev.vulcan.api.NetworkAddress;
import dev.vulcan.api.Json;
import dev.vulcan.api.Resources;
import dev.vulcan.cli.http.RawServer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class InstanceCommandTest {

    static final String WEB_ID = "01jx0000000000000000000010";
    static final String WEB = Samples.json(new Instance(WEB_ID, "web", Isolation.CONTAINER, "docker.io/it/busybox:1",
            List.of("/bin/sh", "-c", "while true; do echo tick; sleep 1; done"), InstanceStatus.RUNNING, null, null,
            "on-failure", 2, List.of("A=1", "B=two"), List.of("data:/data", "/srv/conf:/conf:ro"),
            new Resources(2, 256, null), 4242L, "node-a", Instant.parse("2025-06-01T11:00:00Z"),
            Instant.parse("2025-06-01T11:58:00Z"), null, new NetworkAddress("default", "10.77.0.5", "fd00:1000::1005"),
            List.of("8080:80/tcp")));
    static final String DB = Samples.json(new Instance("01jx0000000000000000000011", "db", Isolation.CONTAINER,
            "docker.io/library/postgres:16", List.of(), InstanceStatus.STOPPED, 137, "stopped", "no", 0, List.of(),
            List.of(), Resources.unset(), null, "node-a", Instant.parse("2025-05-30T12:00:00Z"),
            Instant.parse("2025-05-30T12:00:01Z"), Instant.parse("2025-06-01T11:59:00Z"),
            new NetworkAddress("default", null, null), List.of()));
    static final String OOM = Samples.json(new Instance("01jx0000000000000000000012", "hog", Isolation.CONTAINER,
            "docker.io/it/busybox:1", List.of("/bin/hog"), InstanceStatus.STOPPED, 137, "oom", "no", 0, List.of(),
            List.of(), Resources.unset(), null, "node-a", Instant.parse("2025-06-01T11:59:59Z"), null, null,
            new NetworkAddress("none", null, null), List.of()));
    static final String NEW = Samples.json(new Instance("01jx0000000000000000000013", "new", Isolation.CONTAINER,
            "docker.io/it/busybox:1", List.of("sleep", "9"), InstanceStatus.CREATED, null, null, "no", 0, List.of(),
            List.of(), Resources.unset(), null, "node-a", Instant.parse("2025-06-01T12:00:00Z"), null, null,
            new NetworkAddress("default", null, null), List.of()));

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    @Test
    void createSendsTheExecFormAfterTheDoubleDashAndRepeatedOptions() {
        daemon.on("POST", "/v1/instances", RawServer.json(201, WEB));

        Cli.Result result = cli("create", "--name", "web", "--image", "busybox", "--env", "A=1", "-e", "B=two",
                "-v", "data:/data", "--volume", "/srv/conf:/conf:ro", "--restart", "on-failure", "--cpus", "2",
                "--memory", "256", "--", "sh", "-c", "echo a  b", "--name");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("web " + WEB_ID + "\n");
        assertThat(daemon.requests().getFirst().target()).isEqualTo("/v1/instances");
        assertThat(body(0)).isEqualTo(Json.mapper().readTree("""
                {"name":"web","image":"busybox","args":["sh","-c","echo a  b","--name"],"env":["A=1","B=two"],
                 "volumes":["data:/data","/srv/conf:/conf:ro"],"restart":"on-failure","resources":{"cpus":2,"mem_mb":256}}
                """));
    }

    @Test
    void createWithCmdSendsTheShellFormAndStartAsksToStart() {
        daemon.on("POST", "/v1/instances", RawServer.json(201, WEB));

        Cli.Result result = cli("create", "--name", "web", "--image", "busybox", "--cmd", "echo hi; sleep 9", "--start");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(daemon.requests().getFirst().target()).isEqualTo("/v1/instances?start=true");
        assertThat(body(0)).isEqualTo(Json.mapper().readTree("""
                {"name":"web","image":"busybox","cmd":"echo hi; sleep 9"}"""));
    }

    @Test
    void createWithCmdAndArgumentsIsAUsageError() {
        Cli.Result result = cli("create", "--name", "web", "--image", "busybox", "--cmd", "true", "--", "true");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).isEqualTo(
                "vulcan: give --cmd or arguments after --, not both (see 'vulcan create --help')\n");
        assertThat(daemon.requests()).isEmpty();
    }

    @Test
    void createWithoutANameIsAUsageError() {
        Cli.Result result = cli("create", "--image", "busybox");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err().lines()).hasSize(1);
        assertThat(result.err()).contains("--name");
        assertThat(daemon.requests()).isEmpty();
    }

    @Test
    void aBadRestartPolicyIsTheDaemonsToRefuseInOneLine() {
        daemon.on("POST", "/v1/instances", RawServer.json(400,
                Samples.error("invalid_restart", "restart must be no, on-failure or always: sometimes")));

        Cli.Result result = cli("create", "--name", "web", "--image", "busybox", "--restart", "sometimes");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(body(0).get("restart").asString()).isEqualTo("sometimes");
        assertThat(result.err()).isEqualTo(
                "vulcan: restart must be no, on-failure or always: sometimes (invalid_restart)\n");
    }

    @Test
    void createAsJsonPrintsTheApiObject() {
        daemon.on("POST", "/v1/instances", RawServer.json(201, WEB));

        Cli.Result result = cli("-o", "json", "instance", "create", "--name", "web", "--image", "busybox");

        assertThat(Json.mapper().readTree(result.out())).isEqualTo(Json.mapper().readTree(WEB));
    }

    @Test
    void psShowsEachInstanceWithItsStatusAndACutCommand() {
        daemon.on("GET", "/v1/instances", RawServer.json(200, list(WEB, DB, OOM, NEW)));

        Cli.Result result = cli("ps");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                NAME   STATUS                    IMAGE                           COMMAND                          RESTARTS   CREATED    PORTS
                web    running                   docker.io/it/busybox:1          /bin/sh -c while true; do ech…   2          1h ago     8080:80/tcp
                db     stopped (exit 137)        docker.io/library/postgres:16   (image default)                  0          2d ago
                hog    stopped (oom, exit 137)   docker.io/it/busybox:1          /bin/hog                         0          1s ago
                new    created                   docker.io/it/busybox:1          sleep 9                          0          just now
                """);
        assertThat(cli("instance", "ls").out()).isEqualTo(result.out());
    }

    @Test
    void psAsJsonIsTheApiAnswer() {
        daemon.on("GET", "/v1/instances", RawServer.json(200, list(WEB)));

        Cli.Result result = cli("ps", "-o", "json");

        assertThat(Json.mapper().readTree(result.out())).isEqualTo(Json.mapper().readTree(list(WEB)));
    }

    @Test
    void inspectShowsEveryField() {
        daemon.on("GET", "/v1/instances/web", RawServer.json(200, WEB));

        Cli.Result result = cli("inspect", "web");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                name:        web
                id:          %s
                status:      running
                reason:      -
                exit code:   -
                pid:         4242
                image:       docker.io/it/busybox:1
                command:     /bin/sh -c while true; do echo tick; sleep 1; done
                restart:     on-failure (2 restarts)
                resources:   2 cpu, 256 MB
                env:         A=1
                             B=two
                volumes:     data:/data
                             /srv/conf:/conf:ro
                network:     default
                ipv4:        10.77.0.5
                ipv6:        fd00:1000::1005
                ports:       8080:80/tcp
                node:        node-a
                created:     2025-06-01T11:00:00Z (1h ago)
                started:     2025-06-01T11:58:00Z (2m ago)
                finished:    -
                """.formatted(WEB_ID));
        assertThat(cli("instance", "inspect", "web").out()).isEqualTo(result.out());
    }

    @Test
    void inspectOfAStoppedOneShowsItsExit() {
        daemon.on("GET", "/v1/instances/db", RawServer.json(200, DB));

        Cli.Result result = cli("inspect", "db");

        assertThat(result.out()).contains("status:      stopped (exit 137)\n", "exit code:   137\n",
                "restart:     no\n", "resources:   no limits\n", "env:         -\n");
    }

    @Test
    void stopTakesSeveralNamesAndGoesOnAfterOneFails() {
        daemon.on("POST", "/v1/instances/web/stop", RawServer.json(200, DB.replace("\"db\"", "\"web\"")))
                .on("POST", "/v1/instances/nope/stop", RawServer.json(404,
                        Samples.error("instance_not_found", "no instance named nope")))
                .on("POST", "/v1/instances/db/stop", RawServer.json(200, DB));

        Cli.Result result = cli("stop", "-t", "3", "web", "nope", "db");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).isEqualTo("web stopped (exit 137)\ndb stopped (exit 137)\n");
        assertThat(result.err()).isEqualTo("vulcan: nope: no instance named nope (instance_not_found)\n");
        assertThat(daemon.requests()).extracting(RawServer.Request::target).containsExactly(
                "/v1/instances/web/stop?timeout=3", "/v1/instances/nope/stop?timeout=3", "/v1/instances/db/stop?timeout=3");
        assertThat(daemon.requests().getFirst().body()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"start", "restart"})
    void startAndRestartPostTheAction(String action) {
        daemon.on("POST", "/v1/instances/web/" + action, RawServer.json(200, WEB));

        Cli.Result result = cli("instance", action, "web");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("web running\n");
        assertThat(daemon.requests().getFirst().target()).isEqualTo("/v1/instances/web/" + action);
    }

    @Test
    void startWithoutANameIsAUsageError() {
        Cli.Result result = cli("start");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("NAME");
        assertThat(daemon.requests()).isEmpty();
    }

    @Test
    void rmOfARunningOneWithoutForceIsOneLineAndForceAsksForIt() {
        daemon.on("DELETE", "/v1/instances/web", (request, connection) -> {
            if (request.target().endsWith("?force=true")) {
                RawServer.json(200, WEB).answer(request, connection);
            } else {
                RawServer.json(409, Samples.error("instance_running", "instance web is running: stop it or use force"))
                        .answer(request, connection);
            }
        });

        Cli.Result refused = cli("rm", "web");
        Cli.Result forced = cli("rm", "-f", "web");

        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("vulcan: web: instance web is running: stop it or use force (instance_running)\n");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(forced.out()).isEqualTo("removed web\n");
    }

    @Test
    void instanceAloneIsAUsageErrorListingItsCommands() {
        Cli.Result result = Cli.run("instance");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("Usage: vulcan instance")
                .contains("create", "start", "stop", "restart", "rm", "ls", "inspect", "logs");
    }

    static String list(String... instances) {
        List<Instance> items = new ArrayList<>();
        for (String instance : instances) {
            items.add(Json.mapper().readValue(instance, Instance.class));
        }
        return Samples.json(new InstanceList(items));
    }

    private Cli.Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--socket", daemon.socket().toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    private JsonNode body(int request) {
        return Json.mapper().readTree(new String(daemon.requests().get(request).body(), StandardCharsets.UTF_8));
    }
}

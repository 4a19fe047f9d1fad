package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** A daemon killed with -9 leaves no workload running forever and no process behind. */
class RestartIT {

    @TempDir
    Path temp;

    @Test
    void workloadsRunningAtKill9AreFailedAfterRestartAndNothingLeaks() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(temp.resolve("state"))) {
            Http http = daemon.http();
            String done = http.post("/v1/workloads", "{\"runtime\":\"node\",\"code\":\"export default () => 'kept'\"}")
                    .json().get("id").asString();
            List<String> inFlight = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                inFlight.add(http.post("/v1/workloads/async", """
                        {"runtime":"node","code":"export default () => new Promise(r => setTimeout(r, 120000))","resources":{"timeout_s":300}}""")
                        .json().get("id").asString());
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> !daemon.children().isEmpty());
            List<ProcessHandle> hosts = daemon.children();

            daemon.kill9();
            await("isolate hosts die with the daemon").atMost(Duration.ofSeconds(10))
                    .until(() -> hosts.stream().noneMatch(ProcessHandle::isAlive));

            daemon.restart();
            Http after = daemon.http();
            for (String id : inFlight) {
                JsonNode w = after.get("/v1/workloads/" + id).json();
                assertThat(w.get("status").asString()).as(w.toString()).isEqualTo("failed");
                assertThat(w.get("reason").asString()).isEqualTo("daemon_restarted");
                assertThat(w.get("error").asString()).contains("daemon restarted");
                assertThat(w.get("finished_at").asString()).isNotBlank();
            }
            JsonNode kept = after.get("/v1/workloads/" + done).json();
            assertThat(kept.get("status").asString()).isEqualTo("completed");
            assertThat(kept.get("output").asString()).isEqualTo("kept");
            assertThat(after.get("/v1/workloads?status=running").json().get("items")).isEmpty();

            JsonNode fresh = after.post("/v1/workloads", "{\"runtime\":\"node\",\"code\":\"export default () => 7\"}").json();
            assertThat(fresh.get("output").asInt()).isEqualTo(7);
        }
    }

    @Test
    void sigtermStopsCleanlyAndRemovesTheSocket() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(temp.resolve("state2"))) {
            daemon.http().post("/v1/workloads", "{\"runtime\":\"node\",\"code\":\"export default () => 1\"}");
            List<ProcessHandle> hosts = daemon.children();
            assertThat(hosts).isNotEmpty();
            assertThat(daemon.stop()).isZero();
            assertThat(daemon.socket).doesNotExist();
            assertThat(hosts).noneMatch(ProcessHandle::isAlive);
        }
    }
}

package dev.vulcan.daemon.backend.isolate;

import dev.vulcan.daemon.backend.*;
import dev.vulcan.daemon.backend.Runtime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IsolateLatencyScratchIT {
    @TempDir Path runDir;

    @Test
    void measure() throws Exception {
        try (IsolateBackend backend = new IsolateBackend(IsolateConfig.of(IsolateFixture.denoOrSkip(), IsolateFixture.hostDir(), runDir))) {
            LogSink sink = (s, l) -> {};
            long t0 = System.nanoTime();
            backend.start(req("js", 128), sink).outcome().get();
            System.out.println("RESULT cold first (host start + run) ms " + (System.nanoTime() - t0) / 1e6);
            for (String lang : List.of("js", "ts")) {
                List<Double> ms = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    long s = System.nanoTime();
                    Outcome o = backend.start(req(lang, 128), sink).outcome().get();
                    ms.add((System.nanoTime() - s) / 1e6);
                    if (!(o instanceof Outcome.Completed)) throw new AssertionError(o);
                }
                Collections.sort(ms);
                System.out.printf("RESULT sequential %s n=200 min %.2f median %.2f p90 %.2f p99 %.2f ms%n", lang, ms.get(0), ms.get(100), ms.get(180), ms.get(198));
            }
            // paced: give the host time to have its blank worker ready
            List<Double> paced = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Thread.sleep(60);
                long s = System.nanoTime();
                backend.start(req("js", 128), sink).outcome().get();
                paced.add((System.nanoTime() - s) / 1e6);
            }
            Collections.sort(paced);
            System.out.printf("RESULT paced js (blank worker ready) n=50 min %.2f median %.2f p90 %.2f ms%n", paced.get(0), paced.get(25), paced.get(45));
            // throughput with 4 hosts
            int n = 400;
            long s = System.nanoTime();
            List<CompletableFuture<Outcome>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) fs.add(backend.start(req("js", 128), sink).outcome());
            for (var f : fs) f.get();
            System.out.printf("RESULT throughput 4 hosts: %.0f workloads/s%n", n / ((System.nanoTime() - s) / 1e9));
            long rss = 0;
            for (IsolateHost h : backend.hosts()) {
                for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(h.pid()), "status")))
                    if (line.startsWith("VmRSS:")) rss += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
            System.out.println("RESULT hosts " + backend.hosts().size() + " total RSS MB " + rss / 1024.0);
            // ping round trip
            IsolateHost h = backend.hosts().getFirst();
        }
    }

    private static ExecutionRequest req(String lang, int mem) {
        return new ExecutionRequest("m", lang.equals("js") ? Runtime.JAVASCRIPT : Runtime.TYPESCRIPT,
                lang.equals("js") ? "export default ({a, b}) => ({sum: a + b})" : "export default ({a, b}: {a: number, b: number}) => ({sum: a + b})",
                "{\"a\":1,\"b\":2}", new Limits(1, mem, Duration.ofSeconds(10)));
    }
}

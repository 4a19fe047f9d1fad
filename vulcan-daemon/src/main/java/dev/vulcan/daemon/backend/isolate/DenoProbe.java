package dev.vulcan.daemon.backend.isolate;

import dev.vulcan.daemon.backend.BackendStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Answers "can the isolate backend run here?" by checking the files and asking deno its version. */
final class DenoProbe {
    private DenoProbe() {}

    private static final long VERSION_TIMEOUT_S = 10;
    // Unix socket paths are limited to 107 bytes; "isolate-<n>.sock" needs room after the run dir.
    private static final int MAX_RUN_DIR_LENGTH = 80;

    /** launcherDetails: how memory is enforced and how hosts end, added to the details. */
    static BackendStatus probe(IsolateConfig config, Map<String, String> launcherDetails) {
        if (!Files.isExecutable(config.denoBinary())) {
            return new BackendStatus.Unavailable("deno not found or not executable at " + config.denoBinary()
                    + " (run npm ci in isolate-host/ or pass --deno)");
        }
        for (Path script : new Path[] {config.hostScript(), config.workerScript()}) {
            if (!Files.isRegularFile(script)) {
                return new BackendStatus.Unavailable("isolate host script missing: " + script);
            }
        }
        if (config.runDir().toString().length() > MAX_RUN_DIR_LENGTH) {
            return new BackendStatus.Unavailable("run directory path is too long for unix sockets ("
                    + config.runDir().toString().length() + " > " + MAX_RUN_DIR_LENGTH + " characters): "
                    + config.runDir());
        }
        Map<String, String> versions;
        try {
            versions = versions(config.denoBinary());
        } catch (IOException e) {
            return new BackendStatus.Unavailable("deno --version failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new BackendStatus.Unavailable("interrupted while asking deno its version");
        }
        if (!versions.containsKey("deno")) {
            return new BackendStatus.Unavailable("deno --version printed no version");
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("deno", config.denoBinary().toString());
        details.put("host_script", config.hostScript().toString());
        details.put("hosts_per_memory_class", Integer.toString(config.hostsPerMemoryClass()));
        details.put("default_mem_mb", Integer.toString(config.defaultMemMb()));
        details.put("memory", "one workload per host process; V8 heap cap --max-old-space-size per process");
        details.putAll(launcherDetails);
        details.put("typescript", versions.getOrDefault("typescript", "unknown"));
        return new BackendStatus.Available(
                "deno " + versions.get("deno") + " / v8 " + versions.getOrDefault("v8", "unknown"),
                "V8 isolates in Deno worker processes", details);
    }

    /** "deno 2.9.6 (stable, ...)", "v8 15.0...", "typescript 6.0.3" -> name to version. */
    private static Map<String, String> versions(Path deno) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(deno.toString(), "--version").redirectErrorStream(true).start();
        try {
            process.getOutputStream().close();
            // The answer is a few lines, far below a pipe's buffer: waiting first cannot block it.
            if (!process.waitFor(VERSION_TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new IOException("no answer within " + VERSION_TIMEOUT_S + " s");
            }
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException("exit code " + process.exitValue() + ": " + text.strip());
            }
            Map<String, String> versions = new LinkedHashMap<>();
            for (String line : text.split("\n")) {
                String[] words = line.strip().split("\\s+");
                if (words.length >= 2) {
                    versions.put(words[0], words[1]);
                }
            }
            return versions;
        } finally {
            process.destroyForcibly();
        }
    }
}

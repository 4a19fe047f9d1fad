package dev.vulcan.daemon.net.cni;

import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Invokes a CNI configuration list the way the spec (1.0) says a runtime must: ADD and CHECK run the
 * plugins in order, DEL in reverse; each plugin gets the list's {@code name} and {@code cniVersion}, the
 * previous result as {@code prevResult} and the capability arguments it declares as {@code runtimeConfig}.
 * The final ADD result is cached per attachment for CHECK and DEL, and survives a daemon restart.
 */
public final class Cni {

    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(Cni.class);

    private final Path pluginDir;
    private final Path resultCacheDir;
    private final PluginExec exec;
    private final Duration deadline;
    private final JsonMapper json = JsonMapper.builder().build();

    public Cni(Path pluginDir, Path resultCacheDir, PluginExec exec) {
        this(pluginDir, resultCacheDir, exec, DEFAULT_DEADLINE);
    }

    public Cni(Path pluginDir, Path resultCacheDir, PluginExec exec, Duration deadline) {
        this.pluginDir = pluginDir;
        this.resultCacheDir = resultCacheDir;
        this.exec = exec;
        this.deadline = deadline;
    }

    /**
     * Attaches: runs every plugin's ADD in order and caches the final result. If a plugin fails, DEL runs
     * for the whole chain before the error is thrown, so a failed ADD leaves nothing behind.
     */
    public CniResult add(CniConfigList conf, Attachment a, RuntimeConfig rc) {
        requirePlugins(conf);
        JsonNode prev = null;
        try {
            for (int i = 0; i < conf.size(); i++) {
                prev = invoke(conf, i, "ADD", a, rc, prev);
                if (prev == null) {
                    throw new CniException(conf.pluginTypes().get(i), "ADD", CniException.NO_CODE,
                            "printed no result", "");
                }
            }
        } catch (RuntimeException failure) {
            undo(conf, a, rc, prev, failure);
            throw failure;
        }
        writeCache(conf, a, rc, prev);
        return CniResult.parse(prev);
    }

    /** Verifies the attachment against the cached ADD result, plugin by plugin in order. */
    public void check(CniConfigList conf, Attachment a, RuntimeConfig rc) {
        requirePlugins(conf);
        JsonNode cached = readCache(conf, a).map(c -> c.path("result")).orElseThrow(() -> new NotFoundException(
                "cni_attachment_not_found", "no cached CNI result for " + a.containerId() + "/" + a.ifName()
                        + " on network '" + conf.name() + "': it was never added or already deleted"));
        for (int i = 0; i < conf.size(); i++) {
            invoke(conf, i, "CHECK", a, rc, cached);
        }
    }

    /**
     * Detaches: runs every plugin's DEL in reverse with the cached result (if any) and then forgets it.
     * Idempotent, and works after the netns or the cache is gone. An empty {@code rc} falls back to the
     * runtime config cached at ADD, so a restarted daemon need not remember published ports to remove them.
     */
    public void del(CniConfigList conf, Attachment a, RuntimeConfig rc) {
        requirePlugins(conf);
        Optional<JsonNode> cache = readCache(conf, a);
        JsonNode prev = cache.map(c -> c.path("result")).filter(JsonNode::isObject).orElse(null);
        RuntimeConfig effective = rc.portMappings().isEmpty() ? cache.map(this::cachedRuntimeConfig).orElse(rc) : rc;
        for (int i = conf.size() - 1; i >= 0; i--) {
            invoke(conf, i, "DEL", a, effective, prev);
        }
        try {
            Files.deleteIfExists(cacheFile(conf.name(), a));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the CNI result cache " + cacheFile(conf.name(), a), e);
        }
    }

    /** The result of the last successful ADD for this attachment, if it is still attached. */
    public Optional<CniResult> cachedResult(CniConfigList conf, Attachment a) {
        return readCache(conf, a).map(c -> c.path("result")).filter(JsonNode::isObject).map(CniResult::parse);
    }

    /** Where the ADD result of this attachment is kept: {@code <network>-<containerId>-<ifName>.json}. */
    public Path cacheFile(String network, Attachment a) {
        return resultCacheDir.resolve(network + "-" + a.containerId() + "-" + a.ifName() + ".json");
    }

    /** The plugins of this list that are not installed (empty when the network can be used): for probes. */
    public List<String> missingPlugins(CniConfigList conf) {
        return conf.pluginTypes().stream().distinct().filter(type -> !Files.isExecutable(pluginDir.resolve(type))).toList();
    }

    /** Fails before anything runs if any plugin of the list is missing, so nothing is half-made. */
    public void requirePlugins(CniConfigList conf) {
        List<String> missing = missingPlugins(conf);
        if (!missing.isEmpty()) {
            throw new UnavailableException("cni_plugin_missing", "CNI plugin '" + String.join("', '", missing) + "' not found in "
                    + pluginDir + " (network '" + conf.name() + "'; install Debian's containernetworking-plugins)");
        }
    }

    private void undo(CniConfigList conf, Attachment a, RuntimeConfig rc, JsonNode prev, RuntimeException failure) {
        log.atWarn().addKeyValue("network", conf.name()).addKeyValue("container", a.containerId())
                .addKeyValue("error", failure.getMessage()).log("CNI ADD failed: deleting the partial attachment");
        for (int i = conf.size() - 1; i >= 0; i--) {
            try {
                invoke(conf, i, "DEL", a, rc, prev);
            } catch (RuntimeException e) {
                // Keep going: each plugin's DEL cleans its own part; the caller sees the ADD error first.
                failure.addSuppressed(e);
            }
        }
    }

    /** Runs one plugin; returns its parsed stdout (null when it printed nothing, as DEL and CHECK may). */
    private JsonNode invoke(CniConfigList conf, int index, String command, Attachment a, RuntimeConfig rc, JsonNode prev) {
        ObjectNode config = conf.plugin(index);
        String type = config.path("type").asString();
        config.put("name", conf.name());
        config.put("cniVersion", conf.cniVersion());
        config.remove("prevResult");
        if (prev != null) {
            config.set("prevResult", prev);
        }
        ObjectNode runtimeConfig = json.createObjectNode();
        JsonNode capabilities = config.path("capabilities");
        rc.capabilityArgs().forEach((capability, value) -> {
            if (capabilities.path(capability).asBoolean(false)) {
                runtimeConfig.set(capability, value);
            }
        });
        config.remove("runtimeConfig");
        if (!runtimeConfig.isEmpty()) {
            config.set("runtimeConfig", runtimeConfig);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", a.containerId());
        env.put("CNI_NETNS", a.netns().toString());
        env.put("CNI_IFNAME", a.ifName());
        env.put("CNI_ARGS", "");
        env.put("CNI_PATH", pluginDir.toString());

        long started = System.nanoTime();
        PluginExec.Output out;
        try {
            out = exec.run(pluginDir.resolve(type), env, json.writeValueAsBytes(config), deadline);
        } catch (IOException e) {
            throw new CniException(type, command, CniException.NO_CODE, "could not run " + pluginDir.resolve(type) + ": " + e.getMessage(), "");
        }
        log.atDebug().addKeyValue("plugin", type).addKeyValue("command", command).addKeyValue("container", a.containerId())
                .addKeyValue("exit_code", out.exitCode()).addKeyValue("ms", (System.nanoTime() - started) / 1_000_000)
                .log("CNI plugin ran");
        if (out.timedOut()) {
            throw new CniException(type, command, CniException.NO_CODE, "killed after the deadline of " + deadline, out.stderr());
        }
        String stdout = new String(out.stdout(), StandardCharsets.UTF_8).strip();
        JsonNode parsed = null;
        if (!stdout.isEmpty()) {
            try {
                parsed = json.readTree(stdout);
            } catch (JacksonException e) {
                parsed = null;
            }
        }
        if (out.exitCode() != 0) {
            throw failure(type, command, out, parsed);
        }
        if (!stdout.isEmpty() && (parsed == null || !parsed.isObject())) {
            throw new CniException(type, command, CniException.NO_CODE, "printed a result that is not a JSON object: "
                    + abbreviate(stdout), out.stderr());
        }
        return parsed;
    }

    private static CniException failure(String type, String command, PluginExec.Output out, JsonNode error) {
        if (error != null && error.isObject() && error.has("msg")) {
            return new CniException(type, command, error.path("code").asInt(CniException.NO_CODE),
                    error.path("msg").asString(""), error.path("details").asString(""));
        }
        String said = !out.stderr().isBlank() ? out.stderr() : new String(out.stdout(), StandardCharsets.UTF_8);
        return new CniException(type, command, CniException.NO_CODE,
                "exited with " + out.exitCode() + (said.isBlank() ? "" : ": " + abbreviate(said.strip())), "");
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    private RuntimeConfig cachedRuntimeConfig(JsonNode cache) {
        List<PortMapping> ports = new ArrayList<>();
        for (JsonNode p : cache.path("runtimeConfig").path("portMappings")) {
            ports.add(new PortMapping(p.path("hostPort").asInt(), p.path("containerPort").asInt(),
                    p.path("protocol").asString("tcp"), p.hasNonNull("hostIP") ? p.path("hostIP").asString() : null));
        }
        return new RuntimeConfig(ports);
    }

    private void writeCache(CniConfigList conf, Attachment a, RuntimeConfig rc, JsonNode result) {
        ObjectNode cache = json.createObjectNode()
                .put("kind", "vulcanCniCacheV1").put("network", conf.name())
                .put("containerId", a.containerId()).put("ifName", a.ifName()).put("netns", a.netns().toString());
        cache.set("result", result);
        ObjectNode runtimeConfig = cache.putObject("runtimeConfig");
        rc.capabilityArgs().forEach(runtimeConfig::set);
        Path file = cacheFile(conf.name(), a);
        try {
            Files.createDirectories(resultCacheDir);
            Path tmp = Files.createTempFile(resultCacheDir, ".tmp-", ".json");
            try {
                Files.write(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(cache));
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            // Without the cache DEL could not pass prevResult later: undo rather than leave an unrecorded attachment.
            UncheckedIOException failure = new UncheckedIOException("cannot write the CNI result cache " + file, e);
            undo(conf, a, rc, result, failure);
            throw failure;
        }
    }

    private Optional<JsonNode> readCache(CniConfigList conf, Attachment a) {
        Path file = cacheFile(conf.name(), a);
        try {
            return Optional.of(json.readTree(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | JacksonException e) {
            // A torn or foreign file is no result; DEL then runs without prevResult, as after a lost cache.
            log.atWarn().addKeyValue("file", file).addKeyValue("error", e.getMessage()).log("unreadable CNI result cache ignored");
            return Optional.empty();
        }
    }
}

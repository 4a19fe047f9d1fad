package dev.vulcan.daemon.instance;

import dev.vulcan.api.InstanceStatus;
import dev.vulcan.api.InstancesPost;
import dev.vulcan.api.Json;
import dev.vulcan.daemon.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/** Instance and volume rows in SQLite. */
public final class InstanceRepository {

    private static final String COLUMNS = "id, name, spec, status, want_running, exit_code, reason, restart_count, pid,"
            + " created_at, started_at, finished_at";
    private static final JsonMapper JSON = Json.mapper();

    private final Database database;

    public InstanceRepository(Database database) {
        this.database = database;
    }

    void insert(InstanceRecord r) {
        database.withStatement("INSERT INTO instances (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", s -> {
            s.setString(1, r.id());
            s.setString(2, r.name());
            s.setString(3, JSON.writeValueAsString(r.spec()));
            bindState(s, 4, r);
            s.setString(10, r.createdAt().toString());
            s.setString(11, text(r.startedAt()));
            s.setString(12, text(r.finishedAt()));
            return s.executeUpdate();
        });
    }

    void update(InstanceRecord r) {
        database.withStatement("UPDATE instances SET status=?, want_running=?, exit_code=?, reason=?, restart_count=?,"
                + " pid=?, started_at=?, finished_at=? WHERE id=?", s -> {
            bindState(s, 1, r);
            s.setString(7, text(r.startedAt()));
            s.setString(8, text(r.finishedAt()));
            s.setString(9, r.id());
            return s.executeUpdate();
        });
    }

    void delete(String id) {
        database.withStatement("DELETE FROM instances WHERE id=?", s -> {
            s.setString(1, id);
            return s.executeUpdate();
        });
    }

    Optional<InstanceRecord> byName(String name) {
        return one("name", name);
    }

    Optional<InstanceRecord> byId(String id) {
        return one("id", id);
    }

    private Optional<InstanceRecord> one(String column, String value) {
        return database.withStatement("SELECT " + COLUMNS + " FROM instances WHERE " + column + "=?", s -> {
            s.setString(1, value);
            try (ResultSet rows = s.executeQuery()) {
                return rows.next() ? Optional.of(read(rows)) : Optional.empty();
            }
        });
    }

    List<InstanceRecord> all() {
        return database.withStatement("SELECT " + COLUMNS + " FROM instances ORDER BY created_at, id", s -> {
            List<InstanceRecord> out = new ArrayList<>();
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) out.add(read(rows));
            }
            return out;
        });
    }

    /** Names of the instances whose spec puts them on {@code network} (no network named: {@code defaultNetwork}). */
    public List<String> namesOnNetwork(String network, String defaultNetwork) {
        return all().stream().filter(r -> network.equals(r.spec().network() == null ? defaultNetwork : r.spec().network()))
                .map(InstanceRecord::name).toList();
    }

    /** Ids of the instances recorded as running (after reconcile: the adopted ones). */
    public java.util.Set<String> runningIds() {
        return all().stream().filter(r -> r.status() == dev.vulcan.api.InstanceStatus.RUNNING).map(InstanceRecord::id)
                .collect(java.util.stream.Collectors.toSet());
    }

    void insertVolume(String name, Instant createdAt) {
        database.withStatement("INSERT OR IGNORE INTO volumes (name, created_at) VALUES (?, ?)", s -> {
            s.setString(1, name);
            s.setString(2, createdAt.toString());
            return s.executeUpdate();
        });
    }

    void deleteVolume(String name) {
        database.withStatement("DELETE FROM volumes WHERE name=?", s -> {
            s.setString(1, name);
            return s.executeUpdate();
        });
    }

    /** Volume names with their creation times, by name. */
    List<java.util.Map.Entry<String, Instant>> volumes() {
        return database.withStatement("SELECT name, created_at FROM volumes ORDER BY name", s -> {
            List<java.util.Map.Entry<String, Instant>> out = new ArrayList<>();
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) out.add(java.util.Map.entry(rows.getString(1), Instant.parse(rows.getString(2))));
            }
            return out;
        });
    }

    private static void bindState(PreparedStatement s, int at, InstanceRecord r) throws SQLException {
        s.setString(at, r.status().wire());
        s.setInt(at + 1, r.wantRunning() ? 1 : 0);
        if (r.exitCode() == null) s.setNull(at + 2, Types.INTEGER); else s.setInt(at + 2, r.exitCode());
        s.setString(at + 3, r.reason());
        s.setInt(at + 4, r.restartCount());
        if (r.pid() == null) s.setNull(at + 5, Types.INTEGER); else s.setLong(at + 5, r.pid());
    }

    private static InstanceRecord read(ResultSet rows) throws SQLException {
        int exit = rows.getInt("exit_code");
        Integer exitCode = rows.wasNull() ? null : exit;
        long pid = rows.getLong("pid");
        Long pidOrNull = rows.wasNull() ? null : pid;
        return new InstanceRecord(rows.getString("id"), rows.getString("name"),
                JSON.readValue(rows.getString("spec"), InstancesPost.class), InstanceStatus.parse(rows.getString("status")),
                rows.getInt("want_running") != 0, exitCode, rows.getString("reason"), rows.getInt("restart_count"),
                pidOrNull, Instant.parse(rows.getString("created_at")), instant(rows.getString("started_at")),
                instant(rows.getString("finished_at")));
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }
}

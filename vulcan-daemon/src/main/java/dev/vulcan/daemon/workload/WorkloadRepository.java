package dev.vulcan.daemon.workload;

import dev.vulcan.api.Isolation;
import dev.vulcan.api.WorkloadStatus;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Workload rows in SQLite. */
public final class WorkloadRepository {

    /** Filter and page of a listing; null fields do not filter. */
    public record Query(WorkloadStatus status, Isolation isolation, String cursor, int limit) {}

    private static final String COLUMNS = "id, status, isolation, isolation_used, runtime, node_id, input_hash, input,"
            + " code, output, exit_code, error, reason, stack, cpu_limit, mem_limit, timeout_s, duration_ms,"
            + " created_at, started_at, finished_at, image, command, pids_limit";
    /** Reads and writes the command column, a JSON array of strings. */
    private static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder().build();

    private static final String INSERT = "INSERT INTO workloads (" + COLUMNS
            + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    private static final String UPDATE = "UPDATE workloads SET status=?, output=?, exit_code=?, error=?, reason=?,"
            + " stack=?, duration_ms=?, started_at=?, finished_at=? WHERE id=?";
    private static final String FIND = "SELECT " + COLUMNS + " FROM workloads WHERE id=?";

    private final Database database;

    public WorkloadRepository(Database database) {
        this.database = database;
    }

    void insert(WorkloadRecord record) {
        database.withStatement(INSERT, s -> {
            bind(s, record);
            return s.executeUpdate();
        });
    }

    void update(WorkloadRecord record) {
        database.withStatement(UPDATE, s -> {
            s.setString(1, record.status().wire());
            s.setString(2, record.outputJson());
            setInt(s, 3, record.exitCode());
            s.setString(4, record.error());
            s.setString(5, record.reason());
            s.setString(6, record.stack());
            setLong(s, 7, record.durationMs());
            s.setString(8, text(record.startedAt()));
            s.setString(9, text(record.finishedAt()));
            s.setString(10, record.id());
            return s.executeUpdate();
        });
    }

    public Optional<WorkloadRecord> find(String id) {
        return database.withStatement(FIND, s -> {
            s.setString(1, id);
            try (ResultSet rows = s.executeQuery()) {
                return rows.next() ? Optional.of(read(rows)) : Optional.empty();
            }
        });
    }

    /** Newest first; the cursor is the id of the last row of the previous page. */
    public List<WorkloadRecord> list(Query query) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM workloads WHERE 1=1");
        List<String> args = new ArrayList<>();
        if (query.status() != null) {
            sql.append(" AND status=?");
            args.add(query.status().wire());
        }
        if (query.isolation() != null) {
            sql.append(" AND isolation_used=?");
            args.add(query.isolation().wire());
        }
        if (query.cursor() != null) {
            sql.append(" AND id<?");
            args.add(query.cursor());
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        return database.call(c -> {
            try (PreparedStatement s = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    s.setString(i + 1, args.get(i));
                }
                s.setInt(args.size() + 1, query.limit());
                List<WorkloadRecord> page = new ArrayList<>();
                try (ResultSet rows = s.executeQuery()) {
                    while (rows.next()) {
                        page.add(read(rows));
                    }
                }
                return page;
            }
        });
    }

    /** Marks every pending or running workload failed; returns how many. Used at start-up. */
    int failUnfinished(String reason, String message, Instant now) {
        return database.call(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE workloads SET status='failed', reason=?, error=?,"
                    + " finished_at=? WHERE status IN ('pending','running')")) {
                s.setString(1, reason);
                s.setString(2, message);
                s.setString(3, text(now));
                return s.executeUpdate();
            }
        });
    }

    /** Counts by status; statuses no workload has are absent. */
    public java.util.Map<WorkloadStatus, Long> countByStatus() {
        return database.call(c -> {
            java.util.Map<WorkloadStatus, Long> counts = new java.util.EnumMap<>(WorkloadStatus.class);
            try (var s = c.createStatement();
                    ResultSet rows = s.executeQuery("SELECT status, COUNT(*) FROM workloads GROUP BY status")) {
                while (rows.next()) {
                    counts.put(WorkloadStatus.parse(rows.getString(1)), rows.getLong(2));
                }
            }
            return counts;
        });
    }

    /** Per isolation: the total count and the sorted durations of completed workloads. */
    public List<IsolationDurations> durationsByIsolation() {
        return database.call(c -> {
            List<IsolationDurations> result = new ArrayList<>();
            try (var s = c.createStatement();
                    ResultSet rows = s.executeQuery("SELECT isolation_used, COUNT(*) FROM workloads GROUP BY isolation_used")) {
                while (rows.next()) {
                    result.add(new IsolationDurations(Isolation.parse(rows.getString(1)), rows.getLong(2), new ArrayList<>()));
                }
            }
            try (PreparedStatement s = c.prepareStatement("SELECT duration_ms FROM workloads WHERE isolation_used=?"
                    + " AND status='completed' ORDER BY duration_ms")) {
                for (IsolationDurations d : result) {
                    s.setString(1, d.isolation().wire());
                    try (ResultSet rows = s.executeQuery()) {
                        while (rows.next()) {
                            d.completedMs().add(rows.getLong(1));
                        }
                    }
                }
            }
            return result;
        });
    }

    public record IsolationDurations(Isolation isolation, long count, List<Long> completedMs) {}

    private static void bind(PreparedStatement s, WorkloadRecord r) throws SQLException {
        s.setString(1, r.id());
        s.setString(2, r.status().wire());
        s.setString(3, r.isolation().wire());
        s.setString(4, r.isolationUsed().wire());
        s.setString(5, r.runtime().wire());
        s.setString(6, r.nodeId());
        s.setString(7, r.inputHash());
        s.setString(8, r.inputJson());
        s.setString(9, r.code() == null ? "" : r.code());
        s.setString(10, r.outputJson());
        setInt(s, 11, r.exitCode());
        s.setString(12, r.error());
        s.setString(13, r.reason());
        s.setString(14, r.stack());
        s.setInt(15, r.limits().cpus());
        s.setInt(16, r.limits().memMb());
        s.setLong(17, r.limits().timeout().toSeconds());
        setLong(s, 18, r.durationMs());
        s.setString(19, text(r.createdAt()));
        s.setString(20, text(r.startedAt()));
        s.setString(21, text(r.finishedAt()));
        s.setString(22, r.image());
        s.setString(23, r.command() == null ? null : JSON.writeValueAsString(r.command()));
        s.setInt(24, r.limits().pids());
    }

    private static WorkloadRecord read(ResultSet rows) throws SQLException {
        String image = rows.getString("image");
        String command = rows.getString("command");
        return new WorkloadRecord(
                rows.getString("id"),
                WorkloadStatus.parse(rows.getString("status")),
                Isolation.parse(rows.getString("isolation")),
                Isolation.parse(rows.getString("isolation_used")),
                Runtime.valueOf(rows.getString("runtime").toUpperCase(java.util.Locale.ROOT)),
                image,
                command == null ? null : List.of(JSON.readValue(command, String[].class)),
                rows.getString("node_id"),
                rows.getString("input_hash"),
                rows.getString("input"),
                image == null ? rows.getString("code") : null,
                rows.getString("output"),
                nullableInt(rows, "exit_code"),
                rows.getString("error"),
                rows.getString("reason"),
                rows.getString("stack"),
                new Limits(rows.getInt("cpu_limit"), rows.getInt("mem_limit"),
                        Duration.ofSeconds(rows.getLong("timeout_s")), rows.getInt("pids_limit")),
                nullableLong(rows, "duration_ms"),
                instant(rows.getString("created_at")),
                instant(rows.getString("started_at")),
                instant(rows.getString("finished_at")));
    }

    private static Integer nullableInt(ResultSet rows, String column) throws SQLException {
        int value = rows.getInt(column);
        return rows.wasNull() ? null : value;
    }

    private static Long nullableLong(ResultSet rows, String column) throws SQLException {
        long value = rows.getLong(column);
        return rows.wasNull() ? null : value;
    }

    private static void setInt(PreparedStatement s, int index, Integer value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.INTEGER);
        } else {
            s.setInt(index, value);
        }
    }

    private static void setLong(PreparedStatement s, int index, Long value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.INTEGER);
        } else {
            s.setLong(index, value);
        }
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }
}

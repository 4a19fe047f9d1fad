package dev.vulcan.daemon.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Versioned schema: migration N brings PRAGMA user_version from N-1 to N. Append only; never
 * edit a migration that has shipped.
 */
final class Migrations {
    private Migrations() {}

    private static final List<String> STEPS = List.of(
            // 1: workloads, with the seed's columns plus what the API reports
            """
            CREATE TABLE workloads (
                id             TEXT PRIMARY KEY,
                status         TEXT NOT NULL,
                isolation      TEXT NOT NULL,
                isolation_used TEXT NOT NULL,
                runtime        TEXT NOT NULL,
                node_id        TEXT NOT NULL,
                input_hash     TEXT,
                input          TEXT,
                code           TEXT NOT NULL,
                output         BLOB,
                exit_code      INTEGER,
                error          TEXT,
                reason         TEXT,
                stack          TEXT,
                cpu_limit      INTEGER NOT NULL,
                mem_limit      INTEGER NOT NULL,
                timeout_s      INTEGER NOT NULL,
                duration_ms    INTEGER,
                created_at     TEXT NOT NULL,
                started_at     TEXT,
                finished_at    TEXT
            );
            CREATE INDEX workloads_status ON workloads(status);
            CREATE INDEX workloads_isolation ON workloads(isolation_used);
            """,
            // 2: image workloads: the image reference and the command (a JSON array of strings; code is '')
            """
            ALTER TABLE workloads ADD COLUMN image TEXT;
            ALTER TABLE workloads ADD COLUMN command TEXT;
            """,
            // 3: long-lived instances (spec: the creating request as JSON) and named volumes
            """
            CREATE TABLE instances (
                id            TEXT PRIMARY KEY,
                name          TEXT NOT NULL UNIQUE,
                spec          TEXT NOT NULL,
                status        TEXT NOT NULL,
                want_running  INTEGER NOT NULL,
                exit_code     INTEGER,
                reason        TEXT,
                restart_count INTEGER NOT NULL,
                pid           INTEGER,
                created_at    TEXT NOT NULL,
                started_at    TEXT,
                finished_at   TEXT
            );
            CREATE TABLE volumes (
                name       TEXT PRIMARY KEY,
                created_at TEXT NOT NULL
            );
            """,
            // 4: the task cap (pids); rows from before it had the default, 1024
            """
            ALTER TABLE workloads ADD COLUMN pids_limit INTEGER NOT NULL DEFAULT 1024;
            """,
            // 5: IPv6 subtree delegations to child nodes (prefix and uplink kept as handed out)
            """
            CREATE TABLE delegations (
                child      TEXT PRIMARY KEY,
                nibble     INTEGER NOT NULL UNIQUE,
                prefix     TEXT NOT NULL,
                uplink     TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            """,
            // 6: bridge networks and the sandboxes attached to them (recorded before the attachment is made)
            """
            CREATE TABLE networks (
                name        TEXT PRIMARY KEY,
                bridge      TEXT NOT NULL UNIQUE,
                subnet      TEXT NOT NULL,
                ipv6_subnet TEXT,
                is_default  INTEGER NOT NULL,
                created_at  TEXT NOT NULL
            );
            CREATE TABLE network_attachments (
                sandbox_id TEXT NOT NULL,
                network    TEXT NOT NULL REFERENCES networks(name),
                netns      TEXT NOT NULL,
                if_name    TEXT NOT NULL,
                dns_name   TEXT,
                ipv4       TEXT,
                ipv6       TEXT,
                ports      TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (sandbox_id, network)
            );
            CREATE INDEX network_attachments_network ON network_attachments(network);
            """);

    static Void apply(Connection connection) throws SQLException {
        int version;
        try (Statement statement = connection.createStatement();
                var rows = statement.executeQuery("PRAGMA user_version")) {
            version = rows.getInt(1);
        }
        if (version > STEPS.size()) {
            throw new SQLException("database schema version " + version
                    + " is newer than this daemon knows (" + STEPS.size() + "); refusing to start");
        }
        for (int step = version; step < STEPS.size(); step++) {
            try (Statement statement = connection.createStatement()) {
                for (String sql : STEPS.get(step).split(";")) {
                    if (!sql.isBlank()) {
                        statement.execute(sql);
                    }
                }
                statement.execute("PRAGMA user_version = " + (step + 1));
            }
        }
        return null;
    }

    static int latest() {
        return STEPS.size();
    }
}

package dev.vulcan.daemon.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {

    @TempDir
    Path dir;

    @Test
    void aFreshFileIsMigratedToTheLatestSchemaVersion() {
        try (Database database = Database.open(dir.resolve("vulcan.db"))) {
            assertThat(pragma(database, "user_version")).isEqualTo(String.valueOf(Migrations.latest()));
            assertThat(tables(database)).contains("workloads");
        }
    }

    @Test
    void aFreshFileIsInWriteAheadLogMode() {
        try (Database database = Database.open(dir.resolve("vulcan.db"))) {
            assertThat(pragma(database, "journal_mode")).isEqualToIgnoringCase("wal");
        }
    }

    @Test
    void reopeningKeepsTheSchemaAndTheData() {
        Path file = dir.resolve("vulcan.db");
        try (Database database = Database.open(file)) {
            database.call(c -> statement(c, "CREATE TABLE notes (text TEXT)"));
            database.call(c -> statement(c, "INSERT INTO notes VALUES ('kept')"));
        }

        try (Database database = Database.open(file)) {
            assertThat(pragma(database, "user_version")).isEqualTo(String.valueOf(Migrations.latest()));
            assertThat(notes(database)).containsExactly("kept");
        }
        try (Database database = Database.open(file)) {
            assertThat(pragma(database, "user_version")).isEqualTo(String.valueOf(Migrations.latest()));
            assertThat(pragma(database, "journal_mode")).isEqualToIgnoringCase("wal");
        }
    }

    @Test
    void aDatabaseFromANewerDaemonIsRefusedWithAClearMessage() {
        Path file = dir.resolve("vulcan.db");
        int newer = Migrations.latest() + 1;
        try (Database database = Database.open(file)) {
            database.call(c -> statement(c, "PRAGMA user_version = " + newer));
        }

        assertThatThrownBy(() -> Database.open(file))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("database schema version " + newer)
                .hasMessageContaining("newer than this daemon knows (" + Migrations.latest() + ")")
                .hasMessageContaining("refusing to start");
    }

    @Test
    void aRefusedDatabaseIsLeftUntouched() throws SQLException {
        Path file = dir.resolve("vulcan.db");
        int newer = Migrations.latest() + 7;
        try (Database database = Database.open(file)) {
            database.call(c -> statement(c, "PRAGMA user_version = " + newer));
        }

        assertThatThrownBy(() -> Database.open(file)).isInstanceOf(IllegalStateException.class);

        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = raw.createStatement();
                ResultSet rows = s.executeQuery("PRAGMA user_version")) {
            assertThat(rows.getInt(1)).isEqualTo(newer);
        }
    }

    @Test
    void aTransactionIsCommittedWhenItsWorkReturns() throws SQLException {
        Path file = dir.resolve("vulcan.db");
        try (Database database = Database.open(file)) {
            database.call(c -> statement(c, "CREATE TABLE notes (text TEXT)"));

            String result = database.inTransaction(c -> {
                statement(c, "INSERT INTO notes VALUES ('one')");
                statement(c, "INSERT INTO notes VALUES ('two')");
                return "done";
            });

            assertThat(result).isEqualTo("done");
            assertThat(notesSeenByAnotherConnection(file)).containsExactly("one", "two");
        }
    }

    @Test
    void aTransactionIsRolledBackWhenItsWorkThrows() {
        try (Database database = Database.open(dir.resolve("vulcan.db"))) {
            database.call(c -> statement(c, "CREATE TABLE notes (text TEXT)"));
            RuntimeException failure = new IllegalStateException("changed my mind");

            assertThatThrownBy(() -> database.inTransaction(c -> {
                statement(c, "INSERT INTO notes VALUES ('one')");
                throw failure;
            })).isSameAs(failure);

            assertThat(notes(database)).isEmpty();
        }
    }

    @Test
    void aTransactionIsRolledBackWhenAStatementFails() {
        try (Database database = Database.open(dir.resolve("vulcan.db"))) {
            database.call(c -> statement(c, "CREATE TABLE notes (text TEXT NOT NULL)"));

            assertThatThrownBy(() -> database.inTransaction(c -> {
                statement(c, "INSERT INTO notes VALUES ('one')");
                return statement(c, "INSERT INTO notes VALUES (NULL)");
            })).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("database: ")
                    .hasMessageContaining("NOT NULL");

            assertThat(notes(database)).isEmpty();
        }
    }

    @Test
    void singleStatementsAreCommittedAgainAfterARolledBackTransaction() throws SQLException {
        Path file = dir.resolve("vulcan.db");
        try (Database database = Database.open(file)) {
            database.call(c -> statement(c, "CREATE TABLE notes (text TEXT)"));
            assertThatThrownBy(() -> database.inTransaction(c -> {
                statement(c, "INSERT INTO notes VALUES ('lost')");
                throw new IllegalStateException("abort");
            })).isInstanceOf(IllegalStateException.class);

            database.call(c -> statement(c, "INSERT INTO notes VALUES ('kept')"));

            assertThat(notesSeenByAnotherConnection(file)).containsExactly("kept");
        }
    }

    private static int statement(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
            return s.getUpdateCount();
        }
    }

    private static String pragma(Database database, String name) {
        return database.call(c -> {
            try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("PRAGMA " + name)) {
                return rows.getString(1);
            }
        });
    }

    private static List<String> tables(Database database) {
        return database.call(c -> strings(c, "SELECT name FROM sqlite_master WHERE type='table'"));
    }

    private static List<String> notes(Database database) {
        return database.call(c -> strings(c, "SELECT text FROM notes ORDER BY rowid"));
    }

    private static List<String> notesSeenByAnotherConnection(Path file) throws SQLException {
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            return strings(other, "SELECT text FROM notes ORDER BY rowid");
        }
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }
}

package dev.vulcan.daemon.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node's SQLite database (WAL). One connection, used by one caller at a time: SQLite has a
 * single writer anyway, and serialising here keeps every transaction simple.
 */
public final class Database implements AutoCloseable {

    /** Work done with the connection while holding the lock. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection) throws SQLException;
    }

    /** Work done with a prepared statement while holding the lock. */
    @FunctionalInterface
    public interface StatementWork<T> {
        T apply(PreparedStatement statement) throws SQLException;
    }

    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    /** Statements of the hot path, prepared once: preparing costs as much as running them. */
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    private Database(Connection connection) {
        this.connection = connection;
    }

    /** Opens (creating if needed) the database file and brings its schema up to date. */
    public static Database open(Path file) {
        try {
            Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file
                    + "?journal_mode=WAL&foreign_keys=true&busy_timeout=5000&synchronous=NORMAL");
            Database database = new Database(connection);
            try {
                database.inTransaction(Migrations::apply);
            } catch (RuntimeException e) {
                connection.close();
                throw new IllegalStateException("cannot open database " + file + ": " + e.getMessage(), e);
            }
            return database;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open database " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs work with the connection, without a transaction (single statements). */
    public <T> T call(Work<T> work) {
        lock.lock();
        try {
            return work.apply(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs work with the cached prepared statement for sql (parameters cleared first). */
    public <T> T withStatement(String sql, StatementWork<T> work) {
        return call(c -> {
            PreparedStatement statement = prepared.get(sql);
            if (statement == null) {
                statement = c.prepareStatement(sql);
                prepared.put(sql, statement);
            }
            statement.clearParameters();
            return work.apply(statement);
        });
    }

    /** Runs work in one transaction: all of it is committed or none. */
    public <T> T inTransaction(Work<T> work) {
        return call(c -> {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    @Override
    public void close() {
        call(c -> {
            for (PreparedStatement statement : prepared.values()) {
                statement.close();
            }
            prepared.clear();
            c.close();
            return null;
        });
    }
}

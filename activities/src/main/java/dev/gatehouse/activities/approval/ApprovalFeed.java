package dev.gatehouse.activities.approval;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * Tells subscribers that approvals changed, whoever changed them: PostgreSQL notifies on every
 * insert or update of an approval (migration V8), and one LISTEN connection per broker fans the
 * notifications out. So an inbox open on one replica updates when a call arrives on another, or
 * is decided in Slack or through an e-mailed link. When the connection drops, subscribers are told
 * "something may have changed" once it is back, since notifications sent meanwhile are lost.
 * Thread-safe; close it once.
 */
public final class ApprovalFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApprovalFeed.class);
    private static final String CHANNEL = "gatehouse_approval";
    private static final int POLL_MILLIS = 500;
    private static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);
    /** A quiet LISTEN connection is asked whether it is still there this often: a half-open one never fails by itself. */
    private static final Duration LIVENESS_CHECK = Duration.ofSeconds(30);
    private static final int LIVENESS_TIMEOUT_SECONDS = 5;

    /** Opens a fresh connection outside any pool: a LISTEN session lives as long as the broker. */
    @FunctionalInterface
    public interface Connector {
        Connection connect() throws SQLException;
    }

    private final Connector connector;
    private final Set<Consumer<String>> subscribers = new CopyOnWriteArraySet<>();
    private final Thread listener;
    private volatile boolean closed;

    private ApprovalFeed(Connector connector) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.listener = Thread.ofVirtual().name("approval-feed").unstarted(this::listen);
    }

    public static ApprovalFeed start(Connector connector) {
        ApprovalFeed feed = new ApprovalFeed(connector);
        feed.listener.start();
        return feed;
    }

    /**
     * Calls {@code subscriber} with an approval's id whenever it changes, or with {@code null} when
     * changes may have been missed (after a lost connection). It runs on the feed's thread: keep it short.
     *
     * @return undoes the subscription
     */
    public Runnable subscribe(Consumer<String> subscriber) {
        subscribers.add(Objects.requireNonNull(subscriber, "subscriber"));
        return () -> subscribers.remove(subscriber);
    }

    private void listen() {
        boolean missed = false;
        while (!closed) {
            try (Connection connection = connector.connect()) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                if (missed) {
                    publish(null);
                    log.info("approval change feed reconnected");
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                long lastCheck = System.nanoTime();
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications != null) {
                        for (PGNotification n : notifications) {
                            publish(n.getParameter());
                        }
                    }
                    if (System.nanoTime() - lastCheck > LIVENESS_CHECK.toNanos()) {
                        if (!connection.isValid(LIVENESS_TIMEOUT_SECONDS)) {
                            throw new SQLException("the LISTEN connection stopped answering");
                        }
                        lastCheck = System.nanoTime();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!missed) {
                    log.warn("approval change feed lost its PostgreSQL connection ({}); live inbox updates pause until it is back",
                            e.getMessage());
                }
                missed = true;
                try {
                    Thread.sleep(RECONNECT_DELAY);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void publish(String approvalId) {
        for (Consumer<String> subscriber : subscribers) {
            try {
                subscriber.accept(approvalId);
            } catch (RuntimeException e) {
                log.warn("an approval feed subscriber failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
        try {
            listener.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
